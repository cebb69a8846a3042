// What the dev server lets in (README "Exposure"): requests addressed to it on loopback
// only, nothing a web page could send through the user's browser, no client that holds a
// connection open by sending slowly, and module targets only from the directories it was
// started with. Each case is played against a real dev server over a raw socket or
// http.request, which set Host and Origin freely, as a browser or attacker would.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { startTestDevServer } from '../client/devServer.ts';

interface Answer {
  status: number;
  body: any;
}

let dev: DevServer;
let allowed: string;
let outside: string;
const TIMEOUTS = { headersMs: 400, requestMs: 800, keepAliveMs: 400 };

beforeAll(async () => {
  allowed = mkdtempSync(join(tmpdir(), 'sluice-allowed-'));
  outside = mkdtempSync(join(tmpdir(), 'sluice-outside-'));
  dev = await startTestDevServer({ quiet: true, maintenanceIntervalMs: 0, timeouts: TIMEOUTS, moduleDirs: [allowed] });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  rmSync(allowed, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** One request with exactly these headers (Host included). */
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dev.port, method, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const own = () => `127.0.0.1:${dev.port}`;
const json = { 'content-type': 'application/json' };
const topicNames = async () => ((await send('GET', '/v1/topics', { host: own() })).body.topics as { name: string }[]).map((t) => t.name);

describe('requests from web pages and other hosts', () => {
  it('refuses a request whose Host is another name (DNS rebinding), and writes nothing', async () => {
    const r = await send('POST', '/v1/topics', { host: `attacker.example:${dev.port}`, ...json }, '{"name":"rebound"}');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(await topicNames()).not.toContain('rebound');
  });

  it('refuses a cross-site POST without a Content-Type, and writes nothing', async () => {
    const r = await send('POST', '/v1/topics', { host: own(), origin: 'http://evil.example' }, '{"name":"drive-by"}');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(await topicNames()).not.toContain('drive-by');
  });

  it('refuses a body that is not declared JSON or a record batch, even without an Origin', async () => {
    const r = await send('POST', '/v1/topics', { host: own(), 'content-type': 'text/plain' }, '{"name":"plain"}');
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await topicNames()).not.toContain('plain');
  });

  it('refuses cross-site reads that carry no Origin (Sec-Fetch-Site)', async () => {
    const r = await send('GET', '/v1/topics', { host: own(), 'sec-fetch-site': 'cross-site' });
    expect(r.status).toBe(403);
  });

  it('serves same-origin requests with the right Host and Origin (as the web console will send them)', async () => {
    const host = `localhost:${dev.port}`;
    const headers = { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin', ...json };
    const r = await send('POST', '/v1/topics', headers, '{"name":"same-origin"}');
    expect(r.status).toBe(201);
    expect(await topicNames()).toContain('same-origin');
  });

  it('sends no CORS headers, so no other origin can read an answer', async () => {
    const res = await fetch(`${dev.url}/v1/health`);
    expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });
});

/** Opens a raw connection, writes `payload`, and resolves with what came back once the server closed it. */
function rawExchange(payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(dev.port, '127.0.0.1', () => socket.write(payload));
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('slow clients', () => {
  it('closes a connection whose headers never end (408)', async () => {
    expect(await rawExchange(`GET /v1/health HTTP/1.1\r\nHost: ${own()}\r\nX-Slow: `)).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose body never ends (408)', async () => {
    const head = `POST /v1/topics HTTP/1.1\r\nHost: ${own()}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    expect(await rawExchange(`${head}{"name":`)).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle kept-alive connection after answering', async () => {
    const answer = await rawExchange(`GET /v1/health HTTP/1.1\r\nHost: ${own()}\r\nConnection: keep-alive\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('still lets a complete request wait longer than the request timeout (a long poll)', async () => {
    await send('POST', '/v1/topics', { host: own(), ...json }, '{"name":"long-poll"}');
    const r = await send('GET', `/v1/topics/long-poll/partitions/0/records?offset=0&waitMs=${TIMEOUTS.requestMs * 2}`, { host: own() });
    expect(r.status).toBe(200);
    expect(r.body.records).toEqual([]);
  });
});

describe('module targets', () => {
  const store = globalThis as { __sluiceAllowed?: number; __sluiceOutside?: number };
  const handler = (flag: string) => `export async function handler() { globalThis.${flag} = (globalThis.${flag} ?? 0) + 1; }\n`;

  beforeAll(async () => {
    writeFileSync(join(outside, 'evil.mjs'), handler('__sluiceOutside'));
    writeFileSync(join(allowed, 'good.mjs'), handler('__sluiceAllowed'));
    await send('POST', '/v1/topics', { host: own(), ...json }, '{"name":"modules"}');
  });

  const subscribe = (name: string, path: string, extra = '') =>
    send('POST', '/v1/topics/modules/subscriptions', { host: own(), ...json }, `{"name":"${name}","target":{"type":"module","path":${JSON.stringify(path)}}${extra}}`);

  const expectRefused = (r: Answer) => {
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_TARGET');
    expect(r.body.error.message).toContain('--allow-modules');
  };

  it('refuses a path that climbs out of the allowed directory with ../', async () => {
    expectRefused(await subscribe('climb', join(allowed, '..', outside.split('/').pop()!, 'evil.mjs')));
  });

  it('refuses an absolute path outside the allowed directories', async () => {
    expectRefused(await subscribe('absolute', join(outside, 'evil.mjs')));
  });

  it('refuses a relative path, which resolves against the server directory, outside them', async () => {
    expectRefused(await subscribe('relative', './evil.mjs'));
  });

  it('refuses a symbolic link inside that points outside, to a file or through a directory', async () => {
    symlinkSync(join(outside, 'evil.mjs'), join(allowed, 'link.mjs'));
    symlinkSync(outside, join(allowed, 'linked-dir'));
    expectRefused(await subscribe('file-link', join(allowed, 'link.mjs')));
    expectRefused(await subscribe('dir-link', join(allowed, 'linked-dir', 'evil.mjs')));
  });

  it('checks again when importing: a file swapped for a link to the outside is not run', async () => {
    const path = join(allowed, 'swapped.mjs');
    writeFileSync(path, handler('__sluiceAllowed'));
    expect((await subscribe('swapped', path, ',"maxRetries":0')).status).toBe(201);
    unlinkSync(path);
    symlinkSync(join(outside, 'evil.mjs'), path);
    await send('POST', '/v1/topics/modules/records', { host: own(), ...json }, '{"records":[{"value":1}]}');
    let deadLetters: { error: { code: string } }[] = [];
    for (let i = 0; i < 100 && deadLetters.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      deadLetters = (await send('GET', '/v1/topics/modules/subscriptions/swapped/dead-letters', { host: own() })).body.deadLetters;
    }
    expect(deadLetters.map((d) => d.error.code)).toEqual(['MODULE_TARGET_NOT_ALLOWED']);
    expect(store.__sluiceOutside).toBeUndefined();
  });

  it('runs a module inside the allowed directory', async () => {
    mkdirSync(join(allowed, 'nested'), { recursive: true });
    writeFileSync(join(allowed, 'nested', 'ok.mjs'), handler('__sluiceAllowed'));
    expect((await subscribe('inside', join(allowed, 'nested', 'ok.mjs'), ',"startingPosition":"earliest"')).status).toBe(201);
    for (let i = 0; i < 100 && !store.__sluiceAllowed; i++) await new Promise((r) => setTimeout(r, 100));
    expect(store.__sluiceAllowed).toBeGreaterThan(0);
  });
});
