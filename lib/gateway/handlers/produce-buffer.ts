// The produce buffer. Produce requests from every connection of this node are held for a
// short linger (or until enough bytes wait) and then written together, so many small
// client batches cost one append instead of one each. A request is acknowledged only
// after the append holding its batches has committed.
//
// The write itself is one function, `flush`, over everything the linger gathered. Today
// it appends per partition through the log's append (one object and one commit per
// partition and run); it is the single place to change when the log gains a commit that
// writes many partitions as one object.
//
// Order and idempotence: entries keep their arrival order per partition, and a
// partition's appends run one after another. Consecutive batches without a producer id
// are merged into one append; batches of an idempotent producer are appended on their
// own, because the log deduplicates retries by the exact sequence range of an append. If
// a merged append is refused for a reason that is not retriable (one bad batch), each of
// its entries is tried alone, so only the guilty request fails.
import { isSluiceError } from '../../core/errors.ts';
import type { AppendResult, Log } from '../../log/index.ts';

export interface PendingAppend {
  topic: string;
  partition: number;
  /** One or more RecordBatch v2 blocks, already checked (CRC, codec). */
  batches: Buffer;
  recordCount: number;
  /** True when the batches carry a producer id (idempotent producer). */
  idempotent: boolean;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

export type Flush = (log: Log, entries: PendingAppend[]) => Promise<void>;

export interface ProduceBufferOptions {
  /** How long the first request of a flush may wait for others; 0 writes at once. */
  lingerMs: number;
  /** Flush as soon as this many bytes wait. */
  maxBytes: number;
  flush?: Flush;
}

export const PRODUCE_DEFAULTS: ProduceBufferOptions = { lingerMs: 5, maxBytes: 4 * 1024 * 1024 };

export class ProduceBuffer {
  private pending: PendingAppend[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  private readonly flushFn: Flush;

  constructor(
    private readonly log: Log,
    private readonly opts: ProduceBufferOptions = PRODUCE_DEFAULTS,
  ) {
    this.flushFn = opts.flush ?? flushPerPartition;
  }

  /** Queues batches for a partition; resolves with their offsets once committed. */
  add(topic: string, partition: number, batches: Buffer, recordCount: number, idempotent: boolean): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ topic, partition, batches, recordCount, idempotent, resolve, reject });
      this.bytes += batches.length;
      if (this.bytes >= this.opts.maxBytes || this.opts.lingerMs <= 0) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.opts.lingerMs);
    });
  }

  /** Writes what waits now. */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const entries = this.pending;
    this.pending = [];
    this.bytes = 0;
    const run = this.flushFn(this.log, entries).catch((err: unknown) => {
      for (const e of entries) e.reject(err);
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Flushes what waits and resolves once every write started has finished. */
  async drain(): Promise<void> {
    this.flushNow();
    await Promise.all([...this.inFlight]);
  }
}

/**
 * A partition's appends run in order; partitions run in parallel. Later: one commit for
 * all partitions of the flush.
 */
export async function flushPerPartition(log: Log, entries: PendingAppend[]): Promise<void> {
  const byPartition = new Map<string, PendingAppend[]>();
  for (const e of entries) {
    const key = `${e.topic}\u0000${e.partition}`;
    let list = byPartition.get(key);
    if (!list) byPartition.set(key, (list = []));
    list.push(e);
  }
  await Promise.all([...byPartition.values()].map((list) => appendInOrder(log, list)));
}

async function appendInOrder(log: Log, list: PendingAppend[]): Promise<void> {
  for (let i = 0; i < list.length; ) {
    let j = i + 1;
    if (!list[i]!.idempotent) while (j < list.length && !list[j]!.idempotent) j++;
    await appendRun(log, list.slice(i, j));
    i = j;
  }
}

async function appendRun(log: Log, run: PendingAppend[]): Promise<void> {
  const { topic, partition } = run[0]!;
  try {
    const body = run.length === 1 ? run[0]!.batches : Buffer.concat(run.map((e) => e.batches));
    const result = await log.append(topic, partition, { batches: body });
    let base = result.baseOffset;
    for (const e of run) {
      e.resolve({ partition, baseOffset: base, lastOffset: base + e.recordCount - 1 });
      base += e.recordCount;
    }
  } catch (err) {
    if (run.length > 1 && isSluiceError(err) && !err.retriable) {
      for (const e of run) await appendRun(log, [e]);
      return;
    }
    for (const e of run) e.reject(err);
  }
}
