/**
 * Guards outbound requests to user-supplied URLs (the webhook channel) against SSRF:
 * a marketer's webhook URL must not reach the cloud metadata service (169.254.169.254),
 * the database on 10.x, or Omnis itself on 127.0.0.1.
 *
 * - Every address a host resolves to is checked, IPv4 and IPv6, IPv4-mapped and
 *   embedded-IPv4 forms included; one private answer refuses the whole host (a mixed
 *   answer is how DNS rebinding hides).
 * - `guardedLookup` is given to http(s).request as its `lookup`, so the socket connects
 *   to exactly the address that was checked: there is no second resolution for a
 *   rebinding DNS server to answer differently.
 * - Anything that does not parse as an address is refused (fail closed).
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { ProviderError } from './types.ts';

type Range = [base: number[], prefixBits: number];

const V4_BLOCKED: Range[] = ([
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const).map(([a, bits]) => [a.split('.').map(Number), bits]);

const V6_BLOCKED: Range[] = ([
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
] as const).map(([a, bits]) => [parseIPv6(a) ?? [], bits]);

function inRange(bytes: number[], [base, bits]: Range): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((bytes[byte] & mask) !== (base[byte] & mask)) return false;
  }
  return true;
}

function parseIPv4(s: string): number[] | null {
  if (isIP(s) !== 4) return null;
  return s.split('.').map(Number);
}

/** 16 bytes, or null. Accepts "::", embedded dotted IPv4 and a zone id ("fe80::1%eth0"). */
export function parseIPv6(input: string): number[] | null {
  const s = input.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(s) !== 6) return null;
  let head = s;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = parseIPv4(v4[1]);
    if (!b) return null;
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    head = s.slice(0, -v4[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [l, r] = head.includes('::') ? head.split('::') : [head, undefined];
  const left = l ? l.split(':').map(h => parseInt(h, 16)) : [];
  const right = r ? r.split(':').map(h => parseInt(h, 16)) : [];
  const fill = 8 - left.length - right.length - tail.length;
  if (fill < 0 || (r === undefined && fill !== 0)) return null;
  const groups = [...left, ...new Array<number>(fill).fill(0), ...right, ...tail];
  return groups.flatMap(g => [g >> 8, g & 0xff]);
}

function v4Private(b: number[]): boolean {
  return V4_BLOCKED.some(r => inRange(b, r));
}

/** The IPv4 address an IPv6 address carries, for the forms that route to it. */
function embeddedV4(b: number[]): number[] | null {
  const zero = (from: number, to: number) => b.slice(from, to).every(x => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12); // ::ffff:a.b.c.d mapped
  if (zero(0, 12)) return b.slice(12); // ::a.b.c.d compatible (deprecated)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return b.slice(12); // 64:ff9b::/96 NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6); // 2002::/16 6to4
  return null;
}

/** True for loopback, private, link-local, unique-local, reserved and unparseable addresses. */
export function isPrivateAddress(address: string): boolean {
  const v4 = parseIPv4(address);
  if (v4) return v4Private(v4);
  const v6 = parseIPv6(address);
  if (!v6) return true;
  if (V6_BLOCKED.some(r => inRange(v6, r))) return true;
  const inner = embeddedV4(v6);
  return inner !== null && v4Private(inner);
}

export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = host => dns.lookup(host, { all: true, verbatim: true });

export interface SsrfOptions {
  /** Lets private and loopback addresses through (tests, on-premise receivers). Default false. */
  allowPrivate?: boolean;
  /** Injected for tests; defaults to the system resolver (getaddrinfo, /etc/hosts included). */
  resolve?: Resolver;
}

function refused(host: string, address: string): ProviderError {
  return new ProviderError(`refusing to connect to ${host}: ${address} is a private, loopback or reserved address`, false, { code: 'ssrf_blocked' });
}

/** Resolves `host` (a name or an IP literal, brackets allowed) and checks every address. */
export async function checkHost(host: string, opts: SsrfOptions = {}): Promise<LookupAddress[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  const family = isIP(bare.replace(/%.*$/, ''));
  let addresses: LookupAddress[];
  if (family) {
    addresses = [{ address: bare, family }];
  } else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(bare);
    } catch (err) {
      // Name resolution failures are usually passing (SERVFAIL, timeouts); NXDOMAIN retries are harmless.
      throw new ProviderError(`cannot resolve ${bare}: ${err instanceof Error ? err.message : String(err)}`, true, { code: 'dns' });
    }
    if (!addresses.length) throw new ProviderError(`${bare} resolved to no address`, true, { code: 'dns' });
  }
  if (!opts.allowPrivate) {
    const bad = addresses.find(a => isPrivateAddress(a.address));
    if (bad) throw refused(bare, bad.address);
  }
  return addresses;
}

/**
 * A `lookup` for http(s).request / net.connect that only ever hands back checked
 * addresses. Node skips `lookup` for IP-literal hosts, so callers must also run
 * `checkHost` on the URL's host before connecting (webhook.ts does).
 */
export function guardedLookup(opts: SsrfOptions = {}): LookupFunction {
  return (hostname, options, callback) => {
    checkHost(hostname, opts).then(addresses => {
      const wanted = options.family === 4 || options.family === 6 ? addresses.filter(a => a.family === options.family) : addresses;
      if (!wanted.length) {
        callback(Object.assign(new Error(`no IPv${options.family} address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      } else if (options.all) {
        callback(null, wanted);
      } else {
        callback(null, wanted[0].address, wanted[0].family);
      }
    }, (err: Error) => callback(err, '', 0));
  };
}
