// A gateway node: a TCP server speaking Kafka's protocol over one storage. It holds no
// state a client depends on beyond a connection's authentication and the produce buffer
// (whose requests are unanswered until committed), so nodes can be added and killed at
// will. stop() closes listeners and connections after flushing the buffer; kill() drops
// everything at once, as a crash would (tests use it).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Groups } from '../../groups/index.ts';
import { Log } from '../../log/index.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { ClassicGroups } from '../groups/coordinator.ts';
import { PRODUCE_DEFAULTS, ProduceBuffer, type ProduceBufferOptions } from '../handlers/produce-buffer.ts';
import { TopicDirectory } from '../handlers/topic-directory.ts';
import { createAuthenticator, type AuthOptions } from './auth/index.ts';
import { serveConnection } from './connection.ts';
import type { GatewayServices, NodeIdentity } from './context.ts';

export const DEFAULT_KAFKA_PORT = 9092;
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface GatewayOptions {
  clients: StorageClients;
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** What clients are told to connect to; default the bound address and port. */
  advertised?: { host: string; port: number };
  nodeId?: number;
  clusterId?: string;
  auth?: AuthOptions;
  produce?: Partial<ProduceBufferOptions>;
  maxFrameBytes?: number;
  /** Reuse a Log (the dev server shares its own, so long polls wake on its appends). */
  log?: Log;
  onError?: (err: unknown) => void;
}

export interface Gateway {
  port: number;
  host: string;
  services: GatewayServices;
  /** Client connections open now. */
  connections(): number;
  /** Flushes pending produce requests, then closes the listener and every connection. */
  stop(): Promise<void>;
  /** Closes everything at once, answering nothing more (a crash, for tests). */
  kill(): void;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const log = opts.log ?? new Log(opts.clients);
  const sockets = new Set<Socket>();
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_KAFKA_PORT, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const node: NodeIdentity = {
    nodeId: opts.nodeId ?? 0,
    host: opts.advertised?.host ?? address.address,
    port: opts.advertised?.port ?? address.port,
    clusterId: opts.clusterId ?? 'sluice',
  };
  const services: GatewayServices = {
    node,
    log,
    groups: new Groups(opts.clients, log),
    classic: new ClassicGroups(opts.clients),
    produce: new ProduceBuffer(log, { ...PRODUCE_DEFAULTS, ...opts.produce }),
    topics: new TopicDirectory(log),
    auth: createAuthenticator(opts.auth),
    now: Date.now,
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, services, {
      maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxInFlight: 100,
      onError: (err) => opts.onError?.(err),
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    port: address.port,
    host: address.address,
    services,
    connections: () => sockets.size,
    stop: () =>
      (stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await services.produce.drain();
        for (const s of sockets) s.destroy();
        await closed;
      })()),
    kill: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
