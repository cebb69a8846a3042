// One client connection: framing, ordering and the authentication gate.
//
// Requests are size-prefixed frames. A declared size above the limit closes the
// connection before the body is buffered; so does anything that cannot be decoded (bad
// header, unknown API, a version we do not serve, a body that ends early), as a Kafka
// broker does: there is no correct answer to a request that cannot be read. Clients
// pipeline requests; each is dispatched on arrival (so produce requests reach the buffer
// in the order they were sent) and responses are written in request order, which Kafka
// clients rely on. While authentication is required and not done, only ApiVersions,
// SaslHandshake and SaslAuthenticate are served.
import type { Socket } from 'node:net';
import { ProtocolError } from '../protocol/primitives.ts';
import type { ConnectionState, GatewayServices } from './context.ts';
import { dispatch, type Dispatched } from './dispatch.ts';

export interface ConnectionOptions {
  maxFrameBytes: number;
  /** Requests read but not yet answered before reading pauses. */
  maxInFlight: number;
  onError?: (err: unknown, conn: ConnectionState) => void;
}

let nextId = 1;

export function serveConnection(socket: Socket, services: GatewayServices, opts: ConnectionOptions): void {
  const abort = new AbortController();
  const conn: ConnectionState = {
    id: nextId++,
    remote: `${socket.remoteAddress}:${socket.remotePort}`,
    signal: abort.signal,
  };
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let inFlight = 0;
  let tail: Promise<void> = Promise.resolve();
  let closed = false;

  const close = (err?: unknown) => {
    if (closed) return;
    closed = true;
    abort.abort();
    if (err !== undefined && !(err instanceof ProtocolError)) opts.onError?.(err, conn);
    socket.destroy();
  };
  socket.on('error', () => close());
  socket.on('close', () => close());
  socket.setNoDelay(true);

  const send = (frame: Buffer | undefined) => {
    if (closed) return;
    if (frame) socket.write(frame);
  };

  const handle = (frame: Buffer) => {
    let outcome: Dispatched;
    try {
      outcome = dispatch(services, conn, frame);
    } catch (err) {
      close(err);
      return;
    }
    inFlight++;
    if (inFlight >= opts.maxInFlight) socket.pause();
    const result = outcome.response;
    tail = tail.then(async () => {
      try {
        send(await result);
        if (conn.closeAfterResponse) socket.end();
      } catch (err) {
        close(err);
      } finally {
        inFlight--;
        if (inFlight < opts.maxInFlight && !closed) socket.resume();
      }
    });
  };

  let expected = -1;
  socket.on('data', (chunk: Buffer) => {
    buffered.push(chunk);
    bufferedBytes += chunk.length;
    while (!closed && bufferedBytes >= 4) {
      if (expected < 0) {
        if (buffered[0]!.length < 4) buffered = [Buffer.concat(buffered, bufferedBytes)];
        expected = buffered[0]!.readInt32BE(0);
        if (expected < 8 || expected > opts.maxFrameBytes) {
          close(new ProtocolError(`frame of ${expected} bytes (limit ${opts.maxFrameBytes})`));
          return;
        }
      }
      // Concatenate only once the whole frame is here, not on every chunk of a large one.
      if (bufferedBytes < expected + 4) return;
      const all = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered, bufferedBytes);
      const frame = all.subarray(4, 4 + expected);
      const rest = all.subarray(4 + expected);
      buffered = rest.length ? [rest] : [];
      bufferedBytes = rest.length;
      expected = -1;
      handle(frame);
    }
  });
}
