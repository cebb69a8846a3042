// Where Sluice may send a request on a user's behalf: the address rules for endpoints a
// user configures (subscription targets, HTTP sink connectors), and a request (POST by
// default) whose connection goes only to an address that passed them. Shared by every
// feature that calls out, so the rules are written once.
//
// Why: the dispatcher runs inside the platform's network with the platform's identity.
// A target naming an internal address (the instance metadata service at 169.254.169.254,
// a VPC service, the host itself) would turn every subscription into a request forger,
// and a failure answer read back through the dead-letters API into a way to read it.
//
// Rules. An address is refused when it is not a public unicast address: loopback
// (127/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10), shared
// (CGNAT 100.64/10), link-local (169.254/16 with the cloud metadata services, fe80::/10),
// unspecified or "this network" (0/8, ::), multicast (224/4, ff00::/8), and the reserved,
// benchmarking and documentation ranges; IPv6 outside global unicast (2000::/3) is
// refused too. IPv4 addresses carried inside IPv6 (mapped ::ffff:0:0/96, NAT64
// 64:ff9b::/96, 6to4 2002::/16) are judged as the IPv4 address they carry. Names:
// `localhost` and `*.localhost` are loopback; single-label names and names under
// .internal, .local, .localdomain and .home.arpa (metadata.google.internal,
// instance-data, ...) are internal names, refused without asking DNS.
//
// Loopback policy: deployed, refused; in the local dev server (the user's own machine)
// allowed, and required for plain http (http only ever goes to loopback).
//
// Two checks. At creation, on the URL as written (literal addresses and names; no DNS:
// a name may not exist yet). At call time, after resolution: every address the name
// resolves to must pass, and the socket connects to an address that passed: the check
// runs inside the socket's own lookup, so a DNS answer that changes between check and
// connect (rebinding) cannot slip through. TLS still verifies the certificate against
// the name in the URL. Redirects are never followed.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { InvalidTargetError } from './errors.ts';

/** refuse: public addresses only; allow: loopback too; require: loopback only. */
export type LoopbackPolicy = 'refuse' | 'allow' | 'require';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'shared (CGNAT)'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'documentation'
  | 'reserved';

/** Resolves a name to every address it has (the system resolver by default). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

// ---- addresses --------------------------------------------------------------------------

type Range = readonly [network: string, bits: number, cls: AddressClass];

const V4_RANGES: readonly Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** IPv6 ranges outside global unicast get their own class where they have one. */
const V6_RANGES: readonly Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'private'],
  ['fec0::', 10, 'private'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
  ['2001:db8::', 32, 'documentation'],
  ['2001::', 32, 'reserved'], // Teredo: the IPv4 addresses inside are obfuscated
];

/** IPv6 prefixes that carry an IPv4 address, and the bit offset where it starts. */
const V4_CARRIERS: readonly (readonly [network: string, bits: number, offset: number])[] = [
  ['::ffff:0:0', 96, 96], // IPv4-mapped
  ['64:ff9b::', 96, 96], // NAT64 well-known prefix
  ['2002::', 16, 16], // 6to4
];

function v4ToBigInt(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function v6ToBigInt(ip: string): bigint | undefined {
  let text = ip.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = v4ToBigInt(dotted[1]!);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

const inRange = (n: bigint, width: number, network: bigint, bits: number): boolean =>
  n >> BigInt(width - bits) === network >> BigInt(width - bits);

function classifyV4(n: bigint): AddressClass {
  for (const [net, bits, cls] of V4_RANGES) if (inRange(n, 32, v4ToBigInt(net)!, bits)) return cls;
  return 'public';
}

/** The class of an IP address (v4 or v6 text); undefined if it is not one. */
export function addressClass(ip: string): AddressClass | undefined {
  const family = isIP(ip.replace(/%.*$/, ''));
  if (family === 4) return classifyV4(v4ToBigInt(ip)!);
  if (family !== 6) return undefined;
  const n = v6ToBigInt(ip);
  if (n === undefined) return undefined;
  for (const [net, bits, offset] of V4_CARRIERS) {
    if (inRange(n, 128, v6ToBigInt(net)!, bits)) return classifyV4((n >> BigInt(128 - offset - 32)) & 0xffffffffn);
  }
  for (const [net, bits, cls] of V6_RANGES) if (inRange(n, 128, v6ToBigInt(net)!, bits)) return cls;
  return n >> 125n === 1n ? 'public' : 'reserved'; // global unicast is 2000::/3
}

/** Why a connection to `ip` is refused under `loopback`, or undefined when it is allowed. */
export function refusedAddress(ip: string, loopback: LoopbackPolicy): string | undefined {
  const cls = addressClass(ip);
  if (cls === undefined) return `${ip} is not an IP address`;
  if (cls === 'public') return loopback === 'require' ? `${ip} is not a loopback address` : undefined;
  if (cls === 'loopback' && loopback !== 'refuse') return undefined;
  return `${ip} is a ${cls} address`;
}

// ---- names ---------------------------------------------------------------------------------

const INTERNAL_SUFFIXES = ['.internal', '.local', '.localdomain', '.home.arpa'];

const bare = (hostname: string): string => hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

/** True for loopback literals and the names that always mean this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = bare(hostname);
  return h === 'localhost' || h.endsWith('.localhost') || addressClass(h) === 'loopback';
}

/**
 * Why a URL's host is refused as written (before any DNS), or undefined: literal
 * addresses by class, loopback names by the policy, internal names always.
 */
export function refusedHost(hostname: string, loopback: LoopbackPolicy): string | undefined {
  const h = bare(hostname);
  if (isIP(h.replace(/%.*$/, ''))) return refusedAddress(h, loopback);
  if (h === 'localhost' || h.endsWith('.localhost')) return loopback === 'refuse' ? `${h} is a loopback name` : undefined;
  if (loopback === 'require') return `${h} is not a loopback name`;
  if (!h.includes('.') || INTERNAL_SUFFIXES.some((s) => h.endsWith(s))) return `${h} is an internal name`;
  return undefined;
}

/** Running in AWS (a deployed function): the stricter rules apply. */
export const isDeployed = (env: NodeJS.ProcessEnv = process.env): boolean => Boolean(env.AWS_LAMBDA_FUNCTION_NAME);

/**
 * An endpoint URL as a user configures it, checked as written: http(s) only, no
 * credentials in it, https only when deployed (plain http only to loopback, locally),
 * and a public host (loopback too, locally). Answers the normalized URL, or why it is
 * refused, as a phrase to follow the setting's name ("must be an https URL").
 */
export function checkEndpointUrl(raw: string, deployed: boolean): { url: string } | { refused: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refused: `is not a valid URL: '${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}'` };
  }
  if (url.username || url.password) return { refused: 'must not carry credentials' };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { refused: `must be an https URL; got scheme '${url.protocol.replace(':', '')}'` };
  if (url.protocol === 'http:' && (deployed || refusedHost(url.hostname, 'require'))) {
    return {
      refused: deployed ? 'must be an https URL' : 'must be an https URL; plain http is allowed only to a loopback host (localhost, 127.0.0.1, ::1)',
    };
  }
  const refused = refusedHost(url.hostname, deployed ? 'refuse' : 'allow');
  if (refused) return { refused: `must name a public host: ${refused}${deployed ? '' : ' (loopback is allowed locally)'}` };
  return { url: url.toString() };
}

// ---- the connection -----------------------------------------------------------------------

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A lookup function for node:net/http/https: resolves with `resolve`, refuses unless
 * every address passes, and hands the socket only addresses that passed (all of them
 * when asked for all, as Node's happy-eyeballs connect does).
 */
export function checkedLookup(loopback: LoopbackPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        const refused = wanted.map((a) => refusedAddress(a.address, loopback)).find((r) => r !== undefined);
        if (refused) {
          return callback(new InvalidTargetError(`Refused ${hostname}: it resolves to an address targets may not use (${refused}).`), '');
        }
        const addresses = wanted.map((a) => ({ address: a.address, family: a.family }));
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

export interface PostOptions {
  /** Default POST. */
  method?: 'POST' | 'PUT' | 'PATCH';
  /** Loopback rule for https; plain http always requires loopback. */
  loopback: 'refuse' | 'allow';
  resolve?: Resolver;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /**
   * Kept-alive connections to reuse (see egressAgents); without, each call opens its own.
   * Every socket of these agents must have been opened by postChecked with the same
   * loopback rule and resolver, or a reused connection would skip the checks.
   */
  agents?: EgressAgents;
}

export interface EgressAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/** Keep-alive agents for one caller's postChecked calls (one rule, one resolver). */
export const egressAgents = (): EgressAgents => ({
  http: new HttpAgent({ keepAlive: true }),
  https: new HttpsAgent({ keepAlive: true }),
});

/** What came back: the status and a short status line, never the body. */
export interface PostResult {
  status: number;
  /** "HTTP 500 Internal Server Error": the standard reason phrase, not the server's. */
  statusLine: string;
}

/** A response body is drained up to this much (to keep the connection), then dropped. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

export const statusLine = (status: number): string => `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;

/**
 * Sends `body` to `url` (POST unless opts.method says otherwise) under the rules above. Throws InvalidTargetError when the URL or
 * any address it resolves to is refused (nothing is sent), and the socket's error when
 * the call fails; answers the status otherwise, whatever it is.
 */
export async function postChecked(url: string, body: string | Buffer, opts: PostOptions): Promise<PostResult> {
  const u = new URL(url);
  const plain = u.protocol === 'http:';
  if (!plain && u.protocol !== 'https:') throw new InvalidTargetError(`Refused ${u.protocol} URL: only https (or http to loopback, locally).`);
  if (plain && opts.loopback !== 'allow') throw new InvalidTargetError('Refused plain http: targets must use https.');
  const policy: LoopbackPolicy = plain ? 'require' : opts.loopback;
  const hostRefused = refusedHost(u.hostname, policy);
  if (hostRefused) throw new InvalidTargetError(`Refused ${u.hostname}: ${hostRefused}.`);
  const request = plain ? httpRequest : httpsRequest;
  return new Promise<PostResult>((resolve, reject) => {
    const req = request(u, {
      method: opts.method ?? 'POST',
      headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: checkedLookup(policy, opts.resolve),
      agent: opts.agents ? (plain ? opts.agents.http : opts.agents.https) : false,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      let drained = 0;
      res.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > DRAIN_LIMIT_BYTES) res.destroy();
      });
      res.on('error', () => {});
      resolve({ status, statusLine: statusLine(status) });
    });
    req.end(body);
  });
}
