// Delivery (the runner): records from the partitions' buffers to the application, through
// the async iterator or run(). Partitions are served round robin, records of one
// partition in offset order, one record (or batch) at a time.
//
// What counts as processed (and may be committed): for the iterator, a record once the
// next one is requested (so leaving the loop with break leaves the last record
// uncommitted: it is delivered again); for run(), a record or batch once eachRecord /
// eachBatch resolves. A handler that throws stops run() with that error; its records were
// not processed, so the partition starts over from them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidRequestError } from '../../core/errors.ts';
import { deferred, type Deferred } from '../deferred.ts';
import type { ConsumedRecord } from '../types.ts';
import type { ConsumerContext, ConsumerParts } from './context.ts';
import type { RunOptions } from './options.ts';
import type { OwnedPartition } from './partition.ts';

/** Handed-out work, for marking it processed. */
interface Handed {
  part: OwnedPartition;
  epoch: number;
  /** Offset after the last record handed. */
  next: number;
  settled: boolean;
}

/** The work a handler is running on (close() from inside a handler counts it as processed). */
const handlerScope = new AsyncLocalStorage<{ delivery: Delivery; handed: Handed }>();

export interface Lifecycle {
  connect(): Promise<void>;
  close(): Promise<void>;
}

export class Delivery {
  /** Cleared whenever records arrive or partitions are added, so 'caughtUp' can fire again. */
  wasCaughtUp = false;
  /** How the application consumes; undefined until it starts. */
  mode: 'iterator' | 'run' | undefined;
  private fatalReported = false;
  private current: Handed | undefined;
  private handlerDone: Promise<void> | undefined;
  private wake: Deferred<void> | undefined;
  private lastServed = -1;

  constructor(
    private readonly ctx: ConsumerContext,
    private readonly peers: ConsumerParts,
    private readonly lifecycle: Lifecycle,
  ) {}

  claim(mode: 'iterator' | 'run'): void {
    if (this.mode && this.mode !== mode) throw new InvalidRequestError(`This consumer is already consumed with ${this.mode === 'run' ? 'run()' : 'an async iterator'}.`);
    if (this.mode === 'run') throw new InvalidRequestError('run() was already called on this consumer.');
    this.mode = mode;
  }

  async next(): Promise<IteratorResult<ConsumedRecord>> {
    if (this.current) {
      this.settle(this.current, true);
      this.current = undefined;
    }
    if (this.ctx.fatal) return this.reportFatal();
    if (this.ctx.closing) return { done: true, value: undefined };
    await this.lifecycle.connect().catch((err) => this.ctx.setFatal(err));
    for (;;) {
      if (this.ctx.fatal) return this.reportFatal();
      if (this.ctx.closing) return { done: true, value: undefined };
      const part = this.pick();
      if (part) {
        const record = part.buffer.shift()!;
        this.current = this.hand(part, [record]);
        return { done: false, value: record };
      }
      await this.waitForRecords();
    }
  }

  async run(opts: RunOptions): Promise<void> {
    await this.lifecycle.connect().catch((err) => this.ctx.setFatal(err));
    for (;;) {
      if (this.ctx.fatal) {
        const err = this.ctx.fatal;
        this.fatalReported = true;
        await this.lifecycle.close();
        throw err;
      }
      if (this.ctx.closing) {
        await this.ctx.closing;
        return;
      }
      const part = this.pick();
      if (!part) {
        await this.waitForRecords();
        continue;
      }
      await this.runHandler(opts, part);
    }
  }

  /** Records arrived in a buffer. */
  received(): void {
    this.wasCaughtUp = false;
    this.notify();
  }

  /** Wakes a waiting iterator or run() (records, a resume, a failure, close). */
  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.resolve();
  }

  /** close() from inside a handler: that work counts as processed. Returns whether it was. */
  settleInsideHandler(): boolean {
    const inside = handlerScope.getStore();
    if (inside?.delivery !== this) return false;
    this.settle(inside.handed, true);
    return true;
  }

  /** At close: waits for a running handler (unless closing from inside it); the iterator's last record is not processed. */
  async finish(insideHandler: boolean): Promise<void> {
    if (!insideHandler && this.handlerDone) await this.handlerDone;
    if (this.current) {
      this.settle(this.current, false);
      this.current = undefined;
    }
  }

  /** Emits 'caughtUp' once every owned partition is processed up to its high watermark. */
  checkCaughtUp(): void {
    const { membership } = this.peers;
    if (this.ctx.closing || !membership.memberId || this.wasCaughtUp) return;
    const parts = this.ctx.partitions();
    if (parts.length === 0 && !membership.emptyConfirmed) return;
    for (const p of parts) {
      if (p.revoking || p.position === undefined || p.highWatermark === undefined) return;
      if (p.position < p.highWatermark || p.buffer.length > 0 || p.inProcess > 0) return;
    }
    this.wasCaughtUp = true;
    this.ctx.emit('caughtUp');
  }

  private async runHandler(opts: RunOptions, part: OwnedPartition): Promise<void> {
    const records = part.buffer.splice(0, opts.eachBatch ? this.ctx.settings.maxRecords : 1);
    const handed = this.hand(part, records);
    const work = deferred<void>();
    this.handlerDone = work.promise;
    try {
      await handlerScope.run({ delivery: this, handed }, async () => {
        if (opts.eachBatch) {
          await opts.eachBatch({ topic: part.topic, partition: part.partition, records, highWatermark: part.highWatermark ?? records.at(-1)!.offset + 1 });
        } else {
          await opts.eachRecord!(records[0]!);
        }
      });
      this.settle(handed, true);
    } catch (err) {
      // Not processed: start this partition over from the failed records, and stop.
      this.settle(handed, false);
      if (this.ctx.owns(part) && handed.epoch === part.epoch && !part.revoking) part.resetPosition(records[0]!.offset);
      this.ctx.fatal ??= err;
      this.fatalReported = true;
      work.resolve();
      await this.lifecycle.close();
      throw err;
    } finally {
      work.resolve();
    }
  }

  private async reportFatal(): Promise<IteratorResult<ConsumedRecord>> {
    if (this.fatalReported) return { done: true, value: undefined };
    this.fatalReported = true;
    await this.lifecycle.close();
    throw this.ctx.fatal;
  }

  /** The next partition with deliverable records, round robin. */
  private pick(): OwnedPartition | undefined {
    const parts = this.ctx.partitions();
    if (parts.length === 0) return undefined;
    for (let i = 1; i <= parts.length; i++) {
      const idx = (this.lastServed + i) % parts.length;
      const p = parts[idx]!;
      if (p.buffer.length > 0 && !p.paused && !p.revoking) {
        this.lastServed = idx;
        return p;
      }
    }
    return undefined;
  }

  private hand(part: OwnedPartition, records: ConsumedRecord[]): Handed {
    part.inProcess++;
    const next = records.at(-1)!.offset + 1;
    part.delivered = next;
    // Room in the buffer again: let the fetch loop go on.
    if (part.buffer.length < this.ctx.settings.maxRecords) part.signal();
    return { part, epoch: part.epoch, next, settled: false };
  }

  /** The handed records are done: processed (their offsets may be committed) or not. */
  private settle(h: Handed, processed: boolean): void {
    if (h.settled) return;
    h.settled = true;
    const part = h.part;
    part.inProcess--;
    if (!this.ctx.owns(part)) return;
    if (processed && h.epoch === part.epoch) part.processed = h.next;
    if (part.inProcess === 0 && part.revoking) this.peers.assignment.released(part);
    else this.checkCaughtUp();
  }

  private waitForRecords(): Promise<void> {
    return (this.wake ??= deferred<void>()).promise;
  }
}
