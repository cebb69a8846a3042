// Shared by the subscription tests: a loopback HTTP target that records what it is sent
// and answers as told, and the partitions-stream records a head change produces.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SluiceKafkaEvent } from '../../../lib/subscriptions/model.ts';
import type { PartitionStreamRecord } from '../../../lib/subscriptions/dispatcher.ts';
import { listHeads } from '../../../lib/storage/metadata.ts';
import type { StorageClients } from '../../../lib/storage/clients.ts';

export interface Received {
  event: SluiceKafkaEvent;
  /** The status the target answered. */
  status: number;
  at: number;
}

/** status for the n-th request (0-based) to a path; default 200. */
export type Behaviour = (n: number, event: SluiceKafkaEvent) => number | Promise<number>;

export interface TargetServer {
  url(path: string): string;
  /** Every request to a path, in arrival order. */
  received(path: string): Received[];
  /** Successful (2xx) deliveries to a path. */
  succeeded(path: string): SluiceKafkaEvent[];
  behave(path: string, b: Behaviour): void;
  /** Resolves once `predicate` holds (checked on every request and every 25 ms). */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTargetServer(): Promise<TargetServer> {
  const log = new Map<string, Received[]>();
  const behaviours = new Map<string, Behaviour>();
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = req.url ?? '/';
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SluiceKafkaEvent;
        let list = log.get(path);
        if (!list) log.set(path, (list = []));
        const n = (counts.get(path) ?? 0) + 1;
        counts.set(path, n);
        const status = await (behaviours.get(path) ?? (() => 200))(n - 1, event);
        list.push({ event, status, at: Date.now() });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: status < 300 }));
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received: (path) => log.get(path) ?? [],
    succeeded: (path) => (log.get(path) ?? []).filter((r) => r.status >= 200 && r.status < 300).map((r) => r.event),
    behave: (path, b) => behaviours.set(path, b),
    until: async (predicate, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the target');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Every record of a subscription's deliveries, flattened: [partition, offset] pairs. */
export function offsetsOf(events: SluiceKafkaEvent[]): { partition: number; offset: number }[] {
  return events.flatMap((e) => Object.values(e.records).flat().map((r) => ({ partition: r.partition, offset: r.offset })));
}

let sequence = 0;

/**
 * The stream records the current heads of a topic would have produced: one MODIFY per
 * partition with records, nextOffset moving from `from` (default 0) to the head.
 */
export async function headRecords(clients: StorageClients, topicId: string, partitions: number, from = 0): Promise<PartitionStreamRecord[]> {
  const heads = await listHeads(clients, topicId, partitions);
  return heads
    .filter((h) => h.exists && h.nextOffset > from)
    .map((h) => ({
      eventName: 'MODIFY',
      dynamodb: {
        Keys: { topicId: { S: topicId }, partition: { N: String(h.partition) } },
        NewImage: { topicId: { S: topicId }, partition: { N: String(h.partition) }, nextOffset: { N: String(h.nextOffset) } },
        OldImage: { topicId: { S: topicId }, partition: { N: String(h.partition) }, nextOffset: { N: String(from) } },
        SequenceNumber: String(++sequence).padStart(21, '0'),
      },
    }));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
