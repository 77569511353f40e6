import { isIP } from 'node:net';

/**
 * Who may name the client address (for throttling) in X-Forwarded-For:
 * nobody (false), that many proxy hops in front of the service, or the
 * proxies with these addresses and CIDR ranges.
 */
export type TrustProxy = false | number | readonly string[];

const MAX_PROXY_HOPS = 10;

/** `true` is refused: it would trust every X-Forwarded-For entry, and clients write those themselves. */
export function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  if (raw === undefined || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') {
    problems.push(`TRUST_PROXY=true would let any client choose its address through X-Forwarded-For: name the proxies' addresses or CIDR ranges (e.g. 10.0.0.5,fd00::/8), or the number of proxy hops in front of the service (1 to ${MAX_PROXY_HOPS})`);
    return false;
  }
  if (/^[0-9]+$/.test(raw)) {
    const hops = Number(raw);
    if (hops === 0) return false;
    if (hops <= MAX_PROXY_HOPS) return hops;
    problems.push(`TRUST_PROXY as a number of proxy hops must be from 1 to ${MAX_PROXY_HOPS} (got "${raw}")`);
    return false;
  }
  const proxies = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of proxies.length === 0 ? [raw] : proxies.filter((proxy) => !isAddressOrRange(proxy))) {
    problems.push(`TRUST_PROXY must be false, a number of proxy hops, or the proxies' IP addresses or CIDR ranges (not /0), separated by commas (got "${entry}")`);
  }
  return proxies;
}

/** An IPv4 or IPv6 address, optionally with a prefix length; /0 would trust every address. */
export function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = address.includes('%') ? 0 : isIP(address); // no zone ids: proxy-addr cannot match them
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (version === 4 ? 32 : 128));
}

/**
 * TRUST_PROXY in the form Fastify takes. Fastify (5.12) no longer reads
 * X-Forwarded-For under a numeric trustProxy, so a hop count becomes a
 * function of the hop: the socket's peer and the next hops - 1 entries from
 * the right are proxies, and the entry left of them is the client.
 */
export function fastifyTrustProxy(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust === false ? false : [...trust];
}
