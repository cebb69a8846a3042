// `sluice console` for a deployed stack: the loopback server forwards the console's API
// calls to the stack's API signed with SigV4, and serves no one but this machine. The
// "deployed API" here is a local verifier that re-signs each request with the same
// credentials (@smithy/signature-v4, as API Gateway's IAM auth would check it) and
// answers 403 unless the signatures agree.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../lib/client/http.ts';
import { isLoopbackAddress, refusal, startConsoleServer, type ConsoleServer } from '../../../lib/console/server/standalone.ts';

const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
  verified: boolean;
  headers: IncomingMessage['headers'];
}

/** The API stand-in: verifies each request's SigV4 signature by signing it again. */
async function startVerifier(secretAccessKey = CREDENTIALS.secretAccessKey): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: { ...CREDENTIALS, secretAccessKey }, sha256: Sha256 });
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url!, 'http://verifier');
    const query = Object.fromEntries(url.searchParams);
    const authorization = String(req.headers.authorization ?? '');
    const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const headers = Object.fromEntries(signedNames.map((n) => [n, String(req.headers[n] ?? '')]));
    const date = String(req.headers['x-amz-date'] ?? '');
    const signingDate = new Date(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    let verified = false;
    if (authorization && !Number.isNaN(signingDate.getTime())) {
      const [host, port] = String(req.headers.host).split(':');
      const again = await signer.sign(
        { method: req.method!, protocol: 'http:', hostname: host!, port: Number(port), path: url.pathname, query, headers, ...(body.length ? { body } : {}) },
        { signingDate },
      );
      verified = again.headers.authorization === authorization;
    }
    seen.push({ method: req.method!, path: url.pathname, query, body: body.toString(), verified, headers: req.headers });
    if (!verified) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
      return;
    }
    res.writeHead(url.pathname === '/v1/topics' && req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'x-high-watermark': '7' });
    res.end(JSON.stringify({ path: url.pathname, query, body: body.toString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

function signingClient(endpoint: string): HttpClient {
  // Loopback is not signed by default; a deployed ApiUrl is. Here the API is a local stand-in.
  return new HttpClient({ endpoint, sign: true, region: REGION, credentials: CREDENTIALS });
}

/** A raw request to the console server (fetch would not let us set Host or Origin). */
function call(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

let verifier: Awaited<ReturnType<typeof startVerifier>>;
let consoleServer: ConsoleServer;

beforeAll(async () => {
  verifier = await startVerifier();
  consoleServer = await startConsoleServer({ client: signingClient(verifier.url), port: 0 });
});
afterAll(async () => {
  await consoleServer?.stop();
  await new Promise((r) => verifier?.server.close(r));
});

describe('sluice console (signed mode)', () => {
  it('forwards an API call with a valid SigV4 signature and passes the answer back', async () => {
    const res = await call(consoleServer.port, '/v1/topics/orders/partitions/0/records?offset=3&encoding=json', { headers: { cookie: 'secret=1', authorization: 'Bearer browser' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-high-watermark']).toBe('7');
    expect(JSON.parse(res.body)).toEqual({ path: '/v1/topics/orders/partitions/0/records', query: { offset: '3', encoding: 'json' }, body: '' });
    const seen = verifier.seen.at(-1)!;
    expect(seen.verified).toBe(true);
    // Nothing of the browser's own credentials travels on.
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/);
  });

  it('signs the body of a write, so the API can check the payload hash', async () => {
    const body = JSON.stringify({ name: 'orders', partitions: 3 });
    const res = await call(consoleServer.port, '/v1/topics', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(201);
    expect(verifier.seen.at(-1)).toMatchObject({ method: 'POST', body, verified: true });
  });

  it('passes the API refusing a signature made with other credentials back to the browser', async () => {
    const strict = await startVerifier('another-secret');
    const other = await startConsoleServer({ client: signingClient(strict.url), port: 0 });
    try {
      const res = await call(other.port, '/v1/topics');
      expect(res.status).toBe(403);
      expect(strict.seen).toHaveLength(1);
      expect(strict.seen[0]!.verified).toBe(false);
    } finally {
      await other.stop();
      await new Promise((r) => strict.server.close(r));
    }
  });

  it('serves the console page itself, locked to its own origin', async () => {
    const res = await call(consoleServer.port, '/console/topics/orders');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.body).toContain('<div id="app"></div>');
  });

  it('refuses a request with a foreign Host (DNS rebinding) without calling the API', async () => {
    const before = verifier.seen.length;
    const res = await call(consoleServer.port, '/v1/topics', { headers: { host: `evil.example:${consoleServer.port}` } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.message).toMatch(/unexpected Host/);
    expect(verifier.seen.length).toBe(before);
  });

  it('refuses a request from another origin without calling the API', async () => {
    const before = verifier.seen.length;
    const res = await call(consoleServer.port, '/v1/topics', { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(verifier.seen.length).toBe(before);
  });

  it('drops a connection from a client that is not on this machine', async () => {
    // No other host can reach this machine in tests, so the peer's address is rewritten
    // as the connection arrives, before the server looks at it.
    const spoof = (socket: { remoteAddress?: string }) => Object.defineProperty(socket, 'remoteAddress', { value: '203.0.113.7' });
    consoleServer.server.prependListener('connection', spoof);
    const before = verifier.seen.length;
    try {
      await expect(call(consoleServer.port, '/v1/topics')).rejects.toThrow(/socket hang up|ECONNRESET/);
    } finally {
      consoleServer.server.off('connection', spoof);
    }
    expect(verifier.seen.length).toBe(before);
  });
});

describe('loopback checks', () => {
  it('counts 127.0.0.0/8 and ::1 (also IPv4-mapped) as this machine, and nothing else', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.1', '192.168.1.2', '203.0.113.7', '::ffff:10.0.0.1', 'fe80::1', '', undefined]) expect(isLoopbackAddress(a)).toBe(false);
  });

  it('refuses a non-loopback peer even when its Host and Origin look right', () => {
    const hosts = new Set(['127.0.0.1:9193']);
    const req = (remoteAddress: string, headers: Record<string, string>) => ({ socket: { remoteAddress }, headers });
    expect(refusal(req('127.0.0.1', { host: '127.0.0.1:9193', origin: 'http://127.0.0.1:9193' }), hosts)).toBeUndefined();
    expect(refusal(req('198.51.100.4', { host: '127.0.0.1:9193' }), hosts)).toMatch(/only clients on this machine/);
    expect(refusal(req('127.0.0.1', { host: '127.0.0.1:9193', 'sec-fetch-site': 'cross-site' }), hosts)).toMatch(/cross-site/);
  });
});
