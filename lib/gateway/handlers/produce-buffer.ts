// The produce buffer. Produce requests from every connection of this node are held for a
// short linger (or until enough bytes wait) and then written together, so many small
// client batches cost one append instead of one each. A request is acknowledged only
// after the append holding its batches has committed.
//
// The write itself is one function, `flush`, over everything the linger gathered: ONE
// object for all partitions, committed in one transaction (Log.appendBatchesMany; as few
// as one commit's limits allow), each partition's plain batches merged into byte ranges
// of it.
//
// One flush at a time (group commit): what arrives while a flush is being written waits
// for it and goes out in the next one, written as soon as the current one ends. Under
// load the flushes grow by themselves instead of racing one another for the same
// partition heads (a lost race is a retried commit: latency, and DynamoDB writes paid
// twice); with little traffic nothing waits longer than the linger.
//
// Order and idempotence: entries keep their arrival order per partition, and a
// partition's entries take its offsets in that order. Consecutive plain batches of a
// partition are merged into one range; each idempotent producer's batches are a range
// of their own, which the log judges against its partition's head in the shared commit
// (lib/log/transaction/judge.ts): a resent batch is answered with its first offsets and
// not written again, a sequence gap or a fenced epoch fails that request alone. If a
// merged run is refused for a reason that is not retriable (one bad batch), each of its
// entries is tried alone, so only the guilty request fails. A flush of one run (one
// partition, one producer) is an ordinary append.
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
  /** The flush being written; the next one starts when it ends. */
  private writing: Promise<void> | undefined;
  private readonly flushFn: Flush;

  constructor(
    private readonly log: Log,
    private readonly opts: ProduceBufferOptions = PRODUCE_DEFAULTS,
  ) {
    this.flushFn = opts.flush ?? flushShared;
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

  /** Writes what waits now, or as soon as the flush being written ends. */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.writing) return;
    const entries = this.pending;
    this.pending = [];
    this.bytes = 0;
    const run = this.flushFn(this.log, entries).catch((err: unknown) => {
      for (const e of entries) e.reject(err);
    });
    this.writing = run;
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      this.writing = undefined;
      this.flushNow();
    });
  }

  /** Flushes what waits and resolves once everything queued so far is written. */
  async drain(): Promise<void> {
    this.flushNow();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

/** Every partition's runs in one object and commit (a single run: its own append). */
export async function flushShared(log: Log, entries: PendingAppend[]): Promise<void> {
  const byPartition = new Map<string, PendingAppend[]>();
  for (const e of entries) {
    const key = `${e.topic}\u0000${e.partition}`;
    let list = byPartition.get(key);
    if (!list) byPartition.set(key, (list = []));
    list.push(e);
  }
  const runs = [...byPartition.values()].flatMap(runsOf);
  if (runs.length === 1) return appendRun(log, runs[0]!);
  const settled = await log.appendBatchesMany(runs.map((run) => ({ topic: run[0]!.topic, partition: run[0]!.partition, batches: merged(run) })));
  await Promise.all(settled.map((s, i) => (s.status === 'fulfilled' ? answerRun(runs[i]!, s.value) : failRun(log, runs[i]!, s.reason))));
}

/** A partition's entries in order: consecutive plain ones merged, each idempotent one alone. */
function runsOf(list: PendingAppend[]): PendingAppend[][] {
  const runs: PendingAppend[][] = [];
  for (const e of list) {
    const last = runs.at(-1);
    if (last && !e.idempotent && !last[0]!.idempotent) last.push(e);
    else runs.push([e]);
  }
  return runs;
}

const merged = (run: PendingAppend[]): Buffer => (run.length === 1 ? run[0]!.batches : Buffer.concat(run.map((e) => e.batches)));

/** Each entry of a committed run gets its own offsets. */
function answerRun(run: PendingAppend[], result: AppendResult): void {
  let base = result.baseOffset;
  for (const e of run) {
    e.resolve({ partition: result.partition, baseOffset: base, lastOffset: base + e.recordCount - 1 });
    base += e.recordCount;
  }
}

/** A refused merged run is tried entry by entry when the refusal may be one entry's fault. */
async function failRun(log: Log, run: PendingAppend[], err: unknown): Promise<void> {
  if (run.length > 1 && isSluiceError(err) && !err.retriable) {
    for (const e of run) await appendRun(log, [e]);
    return;
  }
  for (const e of run) e.reject(err);
}

async function appendRun(log: Log, run: PendingAppend[]): Promise<void> {
  const { topic, partition } = run[0]!;
  let result: AppendResult;
  try {
    result = await log.append(topic, partition, { batches: merged(run) });
  } catch (err) {
    return failRun(log, run, err);
  }
  answerRun(run, result);
}
