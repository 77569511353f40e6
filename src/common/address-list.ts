import { BlockList, isIPv4 } from 'node:net';

/**
 * Whether an address is one of `entries` (IP addresses and CIDR ranges,
 * as isAddressOrRange accepts them); an IPv4-mapped IPv6 address matches
 * its IPv4 entries. No imports beyond node: the SDK uses it too.
 */
export function addressMatcher(entries: readonly string[]): (address: string | undefined) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    if (address === undefined) return false;
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return v4 !== undefined ? list.check(v4, 'ipv4') : list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  };
}
