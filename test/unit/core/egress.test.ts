// Where the dispatcher may send requests: every refused address class, checked on the URL
// at creation and on what the name resolves to at call time (resolver injected), and a
// connection that goes to the very address that was checked.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidTargetError } from '../../../lib/core/errors.ts';
import { addressClass, refusedHost, type AddressClass, type Resolver } from '../../../lib/core/egress.ts';
import { parseSubscriptionInput, validateTarget } from '../../../lib/subscriptions/schema.ts';
import { createDeliver, kafkaEvent } from '../../../lib/subscriptions/targets.ts';

/** One address of each refused class, as text and as it appears in a URL host. */
const REFUSED: [ip: string, cls: AddressClass][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['::1', 'loopback'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.254', 'private'],
  ['192.168.1.1', 'private'],
  ['fc00::1', 'private'],
  ['fd00:ec2::254', 'private'], // the EC2 metadata service over IPv6
  ['fec0::1', 'private'],
  ['100.64.0.1', 'shared (CGNAT)'],
  ['100.127.255.254', 'shared (CGNAT)'],
  ['169.254.169.254', 'link-local'], // the metadata service of AWS, GCP, Azure
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['::', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['ff02::1', 'multicast'],
  ['255.255.255.255', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['192.0.0.170', 'reserved'],
  ['::127.0.0.1', 'reserved'], // IPv4-compatible (deprecated)
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // Teredo
  ['100::1', 'reserved'],
  ['192.0.2.1', 'documentation'],
  ['2001:db8::1', 'documentation'],
  // IPv4 inside IPv6 is judged as the IPv4 address.
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:a9fe:a9fe', 'link-local'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['64:ff9b::a9fe:a9fe', 'link-local'], // NAT64
  ['2002:a9fe:a9fe::1', 'link-local'], // 6to4
];

const PUBLIC = ['93.184.216.34', '8.8.8.8', '100.128.0.1', '172.32.0.1', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:8.8.8.8', '64:ff9b::808:808'];

const hostOf = (ip: string) => (ip.includes(':') ? `[${ip.replace('%', '%25')}]` : ip);

describe('address classes', () => {
  it.each(REFUSED)('%s is %s', (ip, cls) => {
    expect(addressClass(ip)).toBe(cls);
  });

  it.each(PUBLIC)('%s is public', (ip) => {
    expect(addressClass(ip)).toBe('public');
  });

  it('names: localhost is loopback; single-label and internal names are refused without DNS', () => {
    expect(refusedHost('localhost', 'refuse')).toMatch(/loopback/);
    expect(refusedHost('hooks.localhost', 'refuse')).toMatch(/loopback/);
    expect(refusedHost('LOCALHOST.', 'allow')).toBeUndefined();
    for (const name of ['metadata.google.internal', 'instance-data', 'metadata', 'ip-10-0-0-1.ec2.internal', 'printer.local', 'nas.home.arpa', 'box.localdomain']) {
      expect(refusedHost(name, 'allow')).toMatch(/internal name/);
    }
    expect(refusedHost('hooks.example.com', 'refuse')).toBeUndefined();
    expect(refusedHost('hooks.example.com', 'require')).toMatch(/not a loopback name/);
  });
});

describe('at creation', () => {
  const deployed = { deployed: true };
  const local = { deployed: false };
  const http = (url: string) => ({ type: 'http' as const, url });

  it.each(REFUSED.filter(([ip]) => !ip.includes('%')))('deployed, refuses https://%s (%s)', (ip, cls) => {
    expect(() => validateTarget(http(`https://${hostOf(ip)}/hook`), deployed)).toThrow(InvalidTargetError);
    expect(() => validateTarget(http(`https://${hostOf(ip)}/hook`), deployed)).toThrow(cls);
  });

  it.each([
    'https://localhost/hook',
    'https://hooks.localhost:8443/hook',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://instance-data/latest/meta-data/',
    'https://169.254.169.254./latest/', // a trailing dot is the same address
    'https://2130706433/', // 127.0.0.1 written as one number
    'https://0x7f.1/', // and in hex shorthand
    'http://127.0.0.1/hook', // plain http, deployed
  ])('deployed, refuses %s', (url) => {
    expect(() => validateTarget(http(url), deployed)).toThrow(InvalidTargetError);
  });

  it('deployed, accepts public https hosts', () => {
    for (const url of ['https://hooks.example.com/x', 'https://93.184.216.34/x', 'https://[2606:2800:220:1::1]/x']) {
      expect(validateTarget(http(url), deployed)).toEqual(http(url));
    }
  });

  it('locally, loopback is allowed (plain http only there), every other class is not', () => {
    for (const url of ['http://127.0.0.1:8080/h', 'http://localhost:8080/h', 'http://[::1]:8080/h', 'https://localhost/h', 'http://[::ffff:127.0.0.1]/h']) {
      expect(validateTarget(http(url), local).type).toBe('http');
    }
    for (const url of ['https://10.0.0.1/h', 'https://169.254.169.254/h', 'https://[fd00:ec2::254]/h', 'https://metadata.google.internal/h', 'http://hooks.example.com/h', 'http://10.0.0.1/h']) {
      expect(() => validateTarget(http(url), local)).toThrow(InvalidTargetError);
    }
  });

  it('a dead-letter queue URL on a metadata, private or loopback host is refused', () => {
    for (const queueUrl of [
      'https://169.254.169.254/123456789012/q',
      'https://10.0.0.1/123456789012/q',
      'https://localhost/123456789012/q',
      'http://127.0.0.1:9324/123456789012/q',
    ]) {
      expect(() => parseSubscriptionInput({ name: 's', target: http('https://hooks.example.com/x'), deadLetter: { type: 'sqs', queueUrl } }, { ...deployed, sqs: {} })).toThrow(
        InvalidTargetError,
      );
    }
  });
});

describe('at call time', () => {
  const event = kafkaEvent('s', 't', 0, []);
  let server: Server;
  let port: number;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(`${req.headers.host}${req.url}`);
      req.resume();
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** A resolver answering `addresses` for every name, counting its calls. */
  const resolver = (...addresses: string[]): Resolver & { calls: string[] } => {
    const calls: string[] = [];
    return Object.assign(async (hostname: string) => {
      calls.push(hostname);
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    }, { calls });
  };

  it.each(REFUSED.filter(([, cls]) => cls !== 'loopback'))(
    'refuses a name that resolves to %s (%s) before sending anything',
    async (ip, cls) => {
      const resolve = resolver(ip);
      const result = await createDeliver({ resolve, allowLoopback: true })({ type: 'http', url: 'https://hooks.example.com/x' }, event, { timeoutMs: 5_000 });
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_TARGET' } });
      expect(!result.ok && result.error.message).toContain(cls);
      expect(resolve.calls).toEqual(['hooks.example.com']);
    },
  );

  it('deployed, refuses a name that resolves to loopback', async () => {
    const result = await createDeliver({ resolve: resolver('127.0.0.1') })({ type: 'http', url: 'https://hooks.example.com/x' }, event, { timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_TARGET', message: expect.stringContaining('loopback') } });
  });

  it('refuses when any one of the addresses is refused, even next to public ones', async () => {
    const result = await createDeliver({ resolve: resolver('93.184.216.34', '10.0.0.7') })({ type: 'http', url: 'https://hooks.example.com/x' }, event, { timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_TARGET', message: expect.stringContaining('10.0.0.7') } });
  });

  it('checks a stored literal address again, without DNS', async () => {
    const resolve = resolver('93.184.216.34');
    const deliver = createDeliver({ resolve });
    for (const url of ['https://169.254.169.254/latest', 'https://[::ffff:a9fe:a9fe]/', 'http://127.0.0.1:1/h', 'https://metadata.google.internal/']) {
      expect(await deliver({ type: 'http', url }, event, { timeoutMs: 5_000 })).toMatchObject({ ok: false, error: { code: 'INVALID_TARGET' } });
    }
    expect(resolve.calls).toEqual([]);
  });

  it('plain http goes only to loopback: a loopback name resolving elsewhere is refused', async () => {
    const result = await createDeliver({ resolve: resolver('93.184.216.34'), allowLoopback: true })(
      { type: 'http', url: `http://hooks.localhost:${port}/x` },
      event,
      { timeoutMs: 5_000 },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_TARGET', message: expect.stringContaining('not a loopback address') } });
  });

  it('resolves once and connects to the address it checked', async () => {
    const resolve = resolver('127.0.0.1');
    const result = await createDeliver({ resolve, allowLoopback: true })({ type: 'http', url: `http://pinned.localhost:${port}/pinned` }, event, { timeoutMs: 5_000 });
    expect(result).toEqual({ ok: true });
    expect(resolve.calls).toEqual(['pinned.localhost']);
    expect(received).toContain(`pinned.localhost:${port}/pinned`);
  });
});
