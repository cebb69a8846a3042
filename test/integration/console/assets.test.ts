// The console as the dev server serves it: one HTML page for every /console path, the
// script and stylesheet built in memory, within the first-load budget, same-origin only,
// behind the dev server's request guard like the API it calls.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { consoleBuild } from '../../../lib/console/server/build.ts';
import { useDevServer } from '../client/devServer.ts';

const dev = useDevServer();
/** The budget: the first load's script, gzipped. */
const FIRST_LOAD_BUDGET = 300 * 1024;

describe('console build', () => {
  it('keeps the script of the first load under 300 KB gzipped', async () => {
    const build = await consoleBuild();
    const scripts = [...build.indexHtml.matchAll(/<script[^>]+src="\/console\/assets\/([^"]+)"/g)].map((m) => build.assets.get(m[1]!)!);
    expect(scripts).toEqual([build.script]);
    const gzipped = scripts.reduce((n, a) => n + a.gzip.length, 0);
    expect(gzipped).toBeLessThan(FIRST_LOAD_BUDGET);
    expect(gunzipSync(build.script.gzip).equals(build.script.body)).toBe(true);
  });

  it('type-checks the browser program with the DOM and without Node (no Buffer or process in it)', async () => {
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'lib/console/app'], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('dev server /console', () => {
  it('serves the page for any console path, with a policy that allows only its own origin', async () => {
    const res = await fetch(`${dev.url}/console/topics/orders/messages?partition=0&offset=3`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(await res.text()).toMatch(/<script type="module" src="\/console\/assets\/main-[A-Z0-9]+\.js"><\/script>/);
  });

  it('serves the built script gzip-compressed and cacheable, and 404s an unknown asset', async () => {
    const build = await consoleBuild();
    const res = await fetch(`${dev.url}/console/assets/${build.script.name}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await res.arrayBuffer()).equals(build.script.body)).toBe(true);
    expect((await fetch(`${dev.url}/console/assets/main-NOPE.js`)).status).toBe(404);
  });

  it('answers 405 to a write under /console and keeps serving the API beside it', async () => {
    const post = await fetch(`${dev.url}/console`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await (await fetch(`${dev.url}/v1/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${dev.url}/consoles`)).status).toBe(404);
  });
});

/** GET `path` with exactly these headers (Host included); resolves to the status. */
function status(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dev.server.port, path, headers, setHost: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dev server /console behind the request guard', () => {
  it('serves the page typed in or followed from itself, and its assets to its own page', async () => {
    const own = `127.0.0.1:${dev.server.port}`;
    const build = await consoleBuild();
    expect(await status('/console', { host: own, 'sec-fetch-site': 'none' })).toBe(200);
    expect(await status('/console/groups', { host: own, 'sec-fetch-site': 'same-origin' })).toBe(200);
    expect(await status(`/console/assets/${build.script.name}`, { host: own, origin: `http://${own}`, 'sec-fetch-site': 'same-origin' })).toBe(200);
  });

  it('refuses the page to another Host (DNS rebinding) and its assets to another site', async () => {
    const build = await consoleBuild();
    expect(await status('/console', { host: `attacker.example:${dev.server.port}` })).toBe(403);
    expect(await status(`/console/assets/${build.script.name}`, { host: `127.0.0.1:${dev.server.port}`, 'sec-fetch-site': 'cross-site' })).toBe(403);
  });
});
