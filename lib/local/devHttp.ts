// The dev server's HTTP plumbing: listening and closing, request targets, JSON error
// answers, and request bodies read under the request size limit (413 MESSAGE_TOO_LARGE,
// without buffering what is over it).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { MessageTooLargeError, RequestTimedOutError, type SluiceError } from '../core/errors.ts';
import { MAX_REQUEST_BYTES } from '../api/http.ts';
import { listenAll } from './events.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(text.length), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: SluiceError, headers: Record<string, string> = {}): void {
  const body = err.toJSON();
  if (err.retriable) (body.error as Record<string, unknown>).retriable = true;
  sendJson(res, err.status, body, headers);
}

export function internalError(err: unknown): SluiceError {
  const e = new RequestTimedOutError(`The dev server failed to handle the request: ${(err as Error)?.message ?? String(err)}`);
  return e;
}

/** How much of an oversized body we read and throw away so the client sees our 413. */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;
const MAX_DISCARD_MS = 15_000;

export function sendTooLarge(res: ServerResponse, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const err = new MessageTooLargeError(`The request body is over the limit of ${MAX_REQUEST_BYTES} bytes.`, {
    maxRequestBytes: MAX_REQUEST_BYTES,
  });
  sendError(res, err, close ? { connection: 'close' } : {});
}

/**
 * Answers 413 for an oversized body. Most HTTP clients only read the response after
 * sending their whole body, so the rest is read and discarded (never buffered) before
 * answering; past a bound of bytes or time we answer anyway and hang up.
 */
function rejectOversized(req: IncomingMessage, res: ServerResponse): void {
  let discarded = 0;
  const cleanup = () => {
    clearTimeout(timer);
    stopListening();
    req.resume();
  };
  const giveUp = () => {
    cleanup();
    sendTooLarge(res, true);
    res.once('finish', () => req.socket.destroy());
  };
  const timer = setTimeout(giveUp, MAX_DISCARD_MS);
  const stopListening = listenAll(req, {
    data: (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > MAX_DISCARD_BYTES) giveUp();
    },
    end: () => {
      cleanup();
      sendTooLarge(res, false);
    },
    error: cleanup,
    close: cleanup,
  });
  req.resume();
}

/** The body, or undefined after answering 413 when it is larger than the limit. */
export async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_REQUEST_BYTES) {
    rejectOversized(req, res);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    const stopListening = listenAll(req, {
      data: (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REQUEST_BYTES) {
          stopListening();
          chunks.length = 0;
          rejectOversized(req, res);
          resolve(undefined);
          return;
        }
        chunks.push(chunk);
      },
      end: () => {
        stopListening();
        resolve(Buffer.concat(chunks, size));
      },
      error: (err: Error) => {
        stopListening();
        reject(err);
      },
      close: () => {
        stopListening();
        reject(new Error('client went away'));
      },
    });
  });
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(new Error(`Port ${port} on ${host} is already in use — is another \`sluice dev\` running? Pick another with --port.`));
      } else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** The request target's path and query; absolute-form targets ("GET http://host/path") are legal HTTP/1.1. */
export function splitTarget(url: string): { target: string; rawPath: string; rawQueryString: string } {
  let target = url;
  if (!target.startsWith('/')) {
    try {
      const u = new URL(target);
      target = `${u.pathname}${u.search}`;
    } catch {
      target = '/';
    }
  }
  const q = target.indexOf('?');
  return { target, rawPath: q < 0 ? target : target.slice(0, q), rawQueryString: q < 0 ? '' : target.slice(q + 1) };
}
