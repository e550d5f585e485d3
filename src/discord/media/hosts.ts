/**
 * Where result media may be downloaded from. An upstream record is not trusted to name a host: only
 * the hosts its upstream documents for media (over https, on the default port, at a public address)
 * and the hosts the operator lists in MEDIA_HOSTS (http or https, any port, any address) are asked.
 */
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** A host name's addresses, as `dns.lookup(host, { all: true })` gives them. */
export type Resolve = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

export type HostCheck = { ok: true; operator: boolean } | { ok: false; why: string };

/** `upstreamHosts` may hold `*.example.com` (any subdomain); `operatorHosts` are exact names. */
export function checkMediaUrl(url: URL, upstreamHosts: readonly string[], operatorHosts: readonly string[]): HostCheck {
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, why: `${url.protocol} is not a web address` };
  if (url.username || url.password) return { ok: false, why: 'the address carries credentials' };
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return { ok: false, why: 'the address is an IP address, not a host name' };
  if (operatorHosts.includes(host)) return { ok: true, operator: true };
  if (!upstreamHosts.some((allowed) => hostMatches(host, allowed))) return { ok: false, why: `${host} is not a host the upstream documents for its media` };
  if (url.protocol !== 'https:' || url.port !== '') return { ok: false, why: `${host} is only asked over https on its usual port` };
  return { ok: true, operator: false };
}

function hostMatches(host: string, allowed: string): boolean {
  return allowed.startsWith('*.') ? host.endsWith(allowed.slice(1)) && host.length > allowed.length - 1 : host === allowed;
}

/** Loopback, private, link-local, shared, documentation, multicast and reserved ranges: never a public CDN. */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPublicAddress(mapped);
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The `lookup` a connection uses: the addresses it connects to are the ones checked, so a name
 * that resolves to a public address for the check and a private one for the connection cannot
 * slip through. Every address must be public unless the host is the operator's.
 */
export function guardedLookup(resolve: Resolve, operator: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const addresses = found.filter((a) => !options.family || a.family === options.family);
        const refused = operator ? undefined : addresses.find((a) => !isPublicAddress(a.address));
        if (addresses.length === 0 || refused) {
          const error = Object.assign(new Error(refused ? `${hostname} resolves to ${refused.address}, which is not a public address` : `${hostname} has no address`), {
            code: refused ? 'MEDIA_HOST_PRIVATE' : 'ENOTFOUND',
          });
          return callback(error, '', 0);
        }
        if (options.all) return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
