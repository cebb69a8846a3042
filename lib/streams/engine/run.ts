// One batch of one task in progress: the node instances, the write buffer, the outputs
// and a working copy of the task state. Work happens in units (a record with its
// stream-time punctuations, a wall-clock punctuation, one timer entry): before a unit the
// run takes a snapshot, and it restores it when the unit throws or when the commit would
// no longer fit (`fits`), so a batch only ever holds whole units. The first unit of a
// batch that cannot fit alone is a CommitTooLargeError; a later one ends the batch early
// (BudgetExhausted) and the rest waits for the next batch.
import {
  CommitTooLargeError,
  InvalidRequestError,
  InvalidTopologyError,
  RecordDeserializationError,
  RecordProcessingError,
  SluiceError,
} from '../../core/errors.ts';
import type { StoreBackend } from '../stores/backend.ts';
import { backendFailures, WriteBuffer } from '../stores/buffer.ts';
import { textBytes, toHex } from '../stores/bytes.ts';
import { TimeIndex } from '../stores/timeIndex.ts';
import type { EngineConfig } from './config.ts';
import type { Cancellable, NodeContext, NodeLogic, PunctuationType, Timer } from './context.ts';
import type { Subtopology, TopologyPlan } from './plan.ts';
import type { Topology } from './topology.ts';
import { cloneState, taskKey, type OutputRecord, type RecordMetadata, type StreamRecord, type TaskId, type TaskState } from './types.ts';

/** What a commit would carry so far: the runtime's `fits` decides whether one transaction holds it. */
export interface CommitUsage {
  /** Store items written (each one item of the transaction). */
  items: number;
  /** Their key and value bytes together. */
  itemBytes: number;
  outputs: number;
  outputBytes: number;
}

export class BudgetExhausted extends Error {}

export interface RunEnv {
  topology: Topology;
  plan: TopologyPlan;
  subtopology: Subtopology;
  task: TaskId;
  config: EngineConfig;
  wallClockTime: number;
  fits?: (usage: CommitUsage) => boolean;
}

interface Schedule {
  id: string;
  interval: number;
  type: PunctuationType;
  fn: (timestamp: number) => Promise<void> | void;
  cancelled: boolean;
}

/**
 * What a failed unit raised, as the batch reports it: the store backend's failures and
 * the engine's own typed record errors as they are; anything user code threw as a
 * RecordProcessingError naming where it happened.
 */
function classify(err: unknown, what: Record<string, unknown>): unknown {
  if (
    err instanceof BudgetExhausted ||
    err instanceof RecordDeserializationError ||
    err instanceof RecordProcessingError ||
    err instanceof CommitTooLargeError ||
    (typeof err === 'object' && err !== null && backendFailures.has(err))
  ) {
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof SluiceError ? { causeCode: err.code } : {};
  return new RecordProcessingError(`processing failed: ${message}`, { ...what, ...code }, err);
}

/** The next due time after `now` on the grid `due + k * interval` (missed ones are skipped, as in Kafka). */
export function nextDue(due: number, now: number, interval: number): number {
  return due + (Math.floor((now - due) / interval) + 1) * interval;
}

export class TaskRun {
  state: TaskState;
  readonly outputs: OutputRecord[] = [];
  readonly buffer: WriteBuffer;
  private readonly logic = new Map<string, NodeLogic>();
  private readonly schedules: Schedule[] = [];
  private readonly indexes = new Map<string, TimeIndex>();
  private current: RecordMetadata | undefined;
  private opening = false;
  private inUnit = false;
  private units = 0;
  private outputBytes = 0;
  private unitTag = '';
  private sequence = 0;

  constructor(
    readonly env: RunEnv,
    state: TaskState,
    backend: StoreBackend,
  ) {
    this.state = cloneState(state);
    this.buffer = new WriteBuffer(backend, env.config.maxItemBytes);
  }

  /** Creates the sub-topology's nodes and runs their init (where punctuators are scheduled). */
  async open(): Promise<void> {
    this.opening = true;
    for (const name of this.env.subtopology.nodes) {
      this.logic.set(name, this.env.topology.node(name).create(this.context(name)));
    }
    for (const name of this.env.subtopology.nodes) await this.logic.get(name)!.init?.();
    this.opening = false;
  }

  async close(): Promise<void> {
    for (const l of this.logic.values()) await l.close?.();
  }

  logicOf(node: string): NodeLogic {
    const l = this.logic.get(node);
    if (!l) throw new InvalidTopologyError(`node ${node} is not in this task`, { node });
    return l;
  }

  setCurrent(meta: RecordMetadata | undefined): void {
    this.current = meta;
  }

  usage(): CommitUsage {
    return { items: this.buffer.size, itemBytes: this.buffer.bytes, outputs: this.outputs.length, outputBytes: this.outputBytes };
  }

  get unitsDone(): number {
    return this.units;
  }

  /** Runs `fn` as one unit of work: all of it stays, or none of it. */
  async unit(fn: () => Promise<void>, what: Record<string, unknown> = {}): Promise<void> {
    if (this.inUnit) throw new Error('units of work do not nest');
    const snap = { mark: this.buffer.mark(), outputs: this.outputs.length, bytes: this.outputBytes, state: cloneState(this.state) };
    const restore = () => {
      this.buffer.rollback(snap.mark);
      this.outputs.length = snap.outputs;
      this.outputBytes = snap.bytes;
      this.state = snap.state;
    };
    this.inUnit = true;
    this.unitTag = Object.values(what).join('/');
    this.sequence = 0;
    try {
      await fn();
    } catch (err) {
      restore();
      throw classify(err, what);
    } finally {
      this.inUnit = false;
    }
    if (this.env.fits && !this.env.fits(this.usage())) {
      const usage = this.usage();
      restore();
      if (this.units === 0) {
        throw new CommitTooLargeError('one unit of work alone needs more than one commit can hold', { ...what, ...usage });
      }
      throw new BudgetExhausted();
    }
    this.units += 1;
  }

  /** Stream-time punctuators that are due; runs inside the current unit. */
  async streamTimePunctuations(): Promise<void> {
    const now = this.state.streamTime;
    for (const s of this.schedules) {
      const due = this.state.punctuations[s.id];
      if (s.type !== 'stream-time' || s.cancelled || due === undefined || now < due) continue;
      this.state.punctuations[s.id] = nextDue(due, now, s.interval);
      await this.punctuate(s, now);
    }
  }

  /** Wall-clock punctuators that are due, one unit each. */
  async wallClockPunctuations(): Promise<void> {
    const now = this.env.wallClockTime;
    for (const s of this.schedules) {
      const due = this.state.punctuations[s.id];
      if (s.type !== 'wall-clock' || s.cancelled || due === undefined || now < due) continue;
      await this.unit(async () => {
        this.state.punctuations[s.id] = nextDue(due, now, s.interval);
        await this.punctuate(s, now);
      }, { punctuation: s.id, at: now });
    }
  }

  /** Fires every timer entry due at the current stream time, one unit each, until none is left. */
  async drainTimers(): Promise<void> {
    const timers: Timer[] = [...this.logic.values()].flatMap((l) => l.timers ?? []);
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const t of timers) {
        for (;;) {
          const entries = await t.index.due(this.state.streamTime, 64);
          if (entries.length === 0) break;
          progressed = true;
          for (const e of entries) {
            await this.unit(async () => {
              this.current = undefined;
              t.index.remove(e.due, e.ref);
              await t.fire(e);
            }, { timer: t.index.name, due: e.due, ref: toHex(e.ref) });
          }
        }
      }
    }
  }

  /** The earliest due time of any timer entry (reads the first entry of each index). */
  async earliestTimer(): Promise<number | undefined> {
    const times: number[] = [];
    for (const i of this.indexes.values()) {
      const t = await i.peek();
      if (t !== undefined) times.push(t);
    }
    return times.length ? Math.min(...times) : undefined;
  }

  /** The earliest wall-clock time a wall-clock punctuator is due. */
  earliestWallClockPunctuation(): number | undefined {
    const dues = this.schedules.filter((s) => s.type === 'wall-clock' && !s.cancelled).map((s) => this.state.punctuations[s.id]!);
    return dues.length ? Math.min(...dues) : undefined;
  }

  /**
   * The wall-clock time at which a batch with no records would do something for this task:
   * the earliest wall-clock punctuator, or (with idle advance) the wall-clock time at which
   * stream time, moving on from the anchor as the clock does, reaches the earliest timer
   * entry (a window to close, an unjoined record to emit, an item to expire). Never before
   * this run's wall-clock time; undefined when nothing waits for the clock.
   */
  async wakeAt(): Promise<number | undefined> {
    const times: number[] = [];
    const punctuation = this.earliestWallClockPunctuation();
    if (punctuation !== undefined) times.push(punctuation);
    const a = this.state.anchor;
    if (this.env.config.idleAdvance && a) {
      const timer = await this.earliestTimer();
      if (timer !== undefined) times.push(a.wallClockTime + Math.max(timer, this.state.streamTime + 1) - a.streamTime);
    }
    return times.length ? Math.max(this.env.wallClockTime, Math.min(...times)) : undefined;
  }

  count(key: string, n = 1): void {
    this.state.metrics[key] = (this.state.metrics[key] ?? 0) + n;
  }

  emit(record: OutputRecord): void {
    this.outputs.push(record);
    this.outputBytes += (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
  }

  private async punctuate(s: Schedule, timestamp: number): Promise<void> {
    this.current = undefined;
    await s.fn(timestamp);
  }

  private schedule(node: string, interval: number, type: PunctuationType, fn: Schedule['fn']): Cancellable {
    if (!this.opening) throw new InvalidTopologyError('schedule() is only allowed while a processor is initialised', { node });
    if (!Number.isSafeInteger(interval) || interval < 1) {
      throw new InvalidRequestError(`a punctuation interval must be a positive integer of ms, got ${interval}`, { node });
    }
    if (type !== 'stream-time' && type !== 'wall-clock') throw new InvalidRequestError(`unknown punctuation type ${String(type)}`);
    const id = `${node}#${this.schedules.filter((s) => s.id.startsWith(`${node}#`)).length}`;
    if (this.state.punctuations[id] === undefined) {
      this.state.punctuations[id] = type === 'stream-time' ? 0 : this.env.wallClockTime + interval;
    }
    const s: Schedule = { id, interval, type, fn, cancelled: false };
    this.schedules.push(s);
    return {
      cancel: () => {
        s.cancelled = true;
        delete this.state.punctuations[id];
      },
    };
  }

  private timeIndex(name: string, bucketMs: number): TimeIndex {
    let idx = this.indexes.get(name);
    if (!idx) {
      const key = taskKey(this.env.task);
      idx = new TimeIndex(this.buffer, key, name, Math.max(1, Math.floor(bucketMs)), () => (this.state.timeIndexes[name] ??= []));
      this.indexes.set(name, idx);
    }
    return idx;
  }

  private async forward(from: string, record: StreamRecord, child?: string): Promise<void> {
    const children = this.env.topology.children(from);
    if (child !== undefined) {
      if (!children.includes(child)) throw new InvalidTopologyError(`node ${from} has no child ${child}`, { node: from, child });
      await this.logicOf(child).process(record);
      return;
    }
    for (const c of children) await this.logicOf(c).process(record);
  }

  private context(name: string): NodeContext {
    const { env } = this;
    return {
      nodeName: name,
      taskId: env.task,
      applicationId: env.config.applicationId,
      buffer: this.buffer,
      forward: (record, child) => this.forward(name, record, child),
      streamTime: () => this.state.streamTime,
      wallClockTime: () => env.wallClockTime,
      recordMetadata: () => this.current,
      count: (metric, n) => this.count(`${metric}:${name}`, n),
      timeIndex: (index, bucketMs) => this.timeIndex(index, bucketMs),
      schedule: (interval, type, fn) => this.schedule(name, interval, type, fn),
      emit: (record) => this.emit(record),
      uniqueId: () => textBytes(`${this.unitTag}/${this.sequence++}`),
      topicName: (ref) => env.plan.topicName(ref),
      partitionCount: (topic) => env.plan.partitionCount(topic),
    };
  }
}
