// Serves the web console under /console: the one HTML page for every console path (the
// browser routes), and the built script and stylesheet under /console/assets/. Used by
// the dev server (lib/local/devServer.ts) and by `sluice console` (standalone.ts).
//
// The Content-Security-Policy keeps the console to its own origin: scripts, styles and
// every data call ('connect-src self') may only go to the server that served it, which is
// the Sluice API (the dev server, or the signing proxy of `sluice console`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ASSET_PREFIX, consoleBuild, type Asset } from './build.ts';

export const CONSOLE_PATH = '/console';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** True for the paths the console owns: /console and everything below it. */
export function isConsolePath(rawPath: string): boolean {
  return rawPath === CONSOLE_PATH || rawPath.startsWith(`${CONSOLE_PATH}/`);
}

/** Answers a request for a console path (see isConsolePath). */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
  req.resume();
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    send(res, method, 405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' }, Buffer.from('Method not allowed\n'));
    return;
  }
  let build;
  try {
    build = await consoleBuild();
  } catch (err) {
    send(res, method, 500, { 'content-type': 'text/plain; charset=utf-8' }, Buffer.from(`The console failed to build: ${(err as Error).message}\n`));
    return;
  }
  if (rawPath.startsWith(ASSET_PREFIX)) {
    const asset = build.assets.get(rawPath.slice(ASSET_PREFIX.length));
    if (!asset) {
      send(res, method, 404, { 'content-type': 'text/plain; charset=utf-8' }, Buffer.from('Not found\n'));
      return;
    }
    sendAsset(req, res, method, asset);
    return;
  }
  send(res, method, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, Buffer.from(build.indexHtml));
}

function sendAsset(req: IncomingMessage, res: ServerResponse, method: string, asset: Asset): void {
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  send(
    res,
    method,
    200,
    {
      'content-type': asset.contentType,
      // Names carry a content hash: a new build has new names.
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    gzip ? asset.gzip : asset.body,
  );
}

function send(res: ServerResponse, method: string, status: number, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-length': String(body.length) });
  res.end(method === 'HEAD' ? undefined : body);
}
