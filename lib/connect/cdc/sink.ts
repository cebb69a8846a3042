// The shape of the delivery logic of the AWS sinks (sqs/): the runtime hands a batch of
// records read from a partition, in offset order, and commits its cursor only after
// deliver() resolved; a rejection leaves the cursor, so the batch comes again (retries,
// then dead letters, are the runtime's). Every sink therefore makes a repeated batch
// harmless: FIFO deduplication ids, offset-conditional writes, or idempotent targets.
import type { Header, Json } from './source.ts';

export interface DeliveryRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Json;
  /** null: a tombstone. */
  value: Json;
  headers?: Header[];
  timestamp?: number;
}

export interface ChangeSink {
  deliver(records: readonly DeliveryRecord[]): Promise<void>;
}

/**
 * Splits items into batches of at most `maxCount` items and `maxBytes` bytes (as `size`
 * measures them). An item larger than maxBytes alone is an error: no target takes it.
 */
export function batches<T>(items: readonly T[], maxCount: number, maxBytes: number, size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (n > maxBytes) throw new Error(`a record of ${n} bytes exceeds the target's limit of ${maxBytes} bytes per request`);
    if (current.length === maxCount || bytes + n > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length) out.push(current);
  return out;
}

/** A value as the text a message body carries: strings as they are, the rest as JSON. */
export const bodyText = (value: Json): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Retries the failed entries of a batch call (SQS, EventBridge) a few times, then throws. */
export async function sendWithRetries<T>(entries: T[], send: (entries: T[]) => Promise<T[]>, what: string, attempts = 3): Promise<void> {
  let pending = entries;
  for (let i = 0; i < attempts && pending.length; i++) pending = await send(pending);
  if (pending.length) throw new Error(`${what}: ${pending.length} entries failed after ${attempts} attempts`);
}
