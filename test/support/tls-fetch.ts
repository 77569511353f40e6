import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** What a TLS client presents: the CA it trusts the server by, and optionally its certificate (with any intermediates after it) and key. */
export interface TlsIdentity {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  /** E.g. 'TLSv1.1' to try an old protocol. */
  readonly maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly localAddress?: string;
}

/**
 * fetch over a fresh TLS connection with a client certificate (Node's global
 * fetch cannot present one without undici's Agent); the answer is a real
 * Response, so it also serves as openid-client's customFetch.
 */
export function tlsFetch(url: string | URL, init: { method?: string; headers?: HeadersInit; body?: string | URLSearchParams | null } = {}, identity: TlsIdentity): Promise<Response & { protocol?: string }> {
  const headers = Object.fromEntries(new Headers(init.headers).entries());
  const body = init.body === undefined || init.body === null ? undefined : String(init.body);
  return new Promise((resolve, reject) => {
    const sent = request(url, {
      method: init.method ?? 'GET',
      headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      ca: identity.ca,
      cert: identity.cert,
      key: identity.key,
      // An old protocol is offered at the lowest security level, so that only the server can be the one refusing it.
      ...(identity.maxVersion === undefined ? {} : { maxVersion: identity.maxVersion, minVersion: 'TLSv1' as const, ciphers: 'DEFAULT@SECLEVEL=0' }),
      localAddress: identity.localAddress,
      servername: 'issuer.test',
      agent: false,
    }, (response) => {
      const protocol = (response.socket as TLSSocket).getProtocol() ?? undefined;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const answer = new Response(chunks.length === 0 || response.statusCode === 204 ? null : Buffer.concat(chunks), {
          status: response.statusCode,
          headers: Object.entries(response.headers).flatMap(([name, value]) => [value ?? []].flat().map((item) => [name, item] as [string, string])),
        });
        resolve(Object.assign(answer, { protocol }));
      });
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(body);
  });
}
