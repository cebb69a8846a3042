// sluice consume TOPIC — kafka-console-consumer / `kcat -C`.
//
// Where to start (one of; default: the end, i.e. only new records):
//   --from-beginning   each partition's log start offset
//   --offset N         offset N in every selected partition (N < 0: N from the end, like
//                      kcat's -o -N); an offset outside a partition's range is an error
//   --from-time T      the first offset at or after time T (epoch ms or ISO-8601)
// Where to stop: without --follow, at the high watermark each partition had when we
// started (records produced meanwhile are not shown); with --follow, never (long polls).
// --max-messages N stops after N records in total.
// --group G consumes as a member of consumer group G instead (see consumeGroup in
// groups.ts): the group's committed offsets and assignment decide where to read, and what
// is printed is committed; --from-beginning then only applies to partitions the group has
// no offset for.
//
// Partitions are read by independent loops taking turns (FIFO), so a partition with a
// large backlog does not starve the others; within a partition, records come in offset
// order. Records are fetched base64-encoded and printed as raw bytes.
import type { Command } from 'commander';
import { isSluiceError, OffsetOutOfRangeError, UnknownTopicOrPartitionError, type SluiceError } from '../../core/errors.ts';
import type { HttpClient } from '../../client/http.ts';
import { createClient, topicPath, type GlobalOptions } from '../context.ts';
import { UsageError } from '../errors.ts';
import { compileFormat, DEFAULT_FORMAT, jsonEnvelope, type OutputRecord } from '../format.ts';
import { parseInteger, parseTime } from '../parse.ts';
import { isRetriable, retryDelay, sleep } from '../retry.ts';
import { consumeGroup } from './groups.ts';
import type { TopicDescription } from './topics.ts';

export type StartPosition =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: number }
  | { kind: 'time'; at: number };

export interface ConsumeOptions {
  start: StartPosition;
  partition?: number;
  maxMessages?: number;
  follow?: boolean;
  /** Long-poll wait when caught up (follow mode). */
  waitMs?: number;
  maxRecordsPerFetch?: number;
  /** Render one record to output bytes. */
  render: (r: OutputRecord) => Buffer;
  write: (chunk: Buffer) => Promise<void> | void;
  warn?: (line: string) => void;
  signal?: AbortSignal;
}

interface WireRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers?: Record<string, string | null> | Array<{ key: string; value: string | null }>;
}

interface FetchResponse {
  records: WireRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

const decode = (s: string | null | undefined): Buffer | null => (s === null || s === undefined ? null : Buffer.from(s, 'base64'));

function wireHeaders(h: WireRecord['headers']): Array<[string, Buffer]> {
  if (!h) return [];
  if (Array.isArray(h)) return h.map(({ key, value }) => [key, decode(value) ?? Buffer.alloc(0)]);
  return Object.entries(h).map(([k, v]) => [k, decode(v) ?? Buffer.alloc(0)]);
}

/** A FIFO semaphore: waiters are served in arrival order, which makes partitions take turns. */
class TurnTaker {
  private queue: Array<() => void> = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}

/** Consumes and writes records; resolves to the number written. */
export async function consumeTopic(client: HttpClient, topic: string, opts: ConsumeOptions): Promise<number> {
  const warn = opts.warn ?? ((s: string) => process.stderr.write(`${s}\n`));
  // The same retriable trouble hits every partition at once: say it once per 10 s.
  const lastSaid = new Map<string, number>();
  const warnOnce = (line: string) => {
    const now = Date.now();
    if (now - (lastSaid.get(line) ?? -Infinity) < 10_000) return;
    lastSaid.set(line, now);
    warn(line);
  };
  const desc = await client.json<TopicDescription>({ method: 'GET', path: topicPath(topic) });
  const parts = [...desc.partitions].sort((a, b) => a.partition - b.partition);
  let selected = parts;
  if (opts.partition !== undefined) {
    selected = parts.filter((p) => p.partition === opts.partition);
    if (!selected.length) {
      throw new UnknownTopicOrPartitionError(`Partition ${opts.partition} of topic '${topic}' does not exist (partitions: ${parts.length}).`);
    }
  }

  const abort = new AbortController();
  const outer = opts.signal;
  const onOuterAbort = () => abort.abort(outer!.reason);
  if (outer?.aborted) return 0;
  outer?.addEventListener('abort', onOuterAbort, { once: true });

  // Start and end offsets per partition.
  const starts = new Map<number, number>();
  const start = opts.start;
  if (start.kind === 'time') {
    await Promise.all(
      selected.map(async (p) => {
        const r = await client.json<{ offset: number }>({
          method: 'GET',
          path: topicPath(topic, `/partitions/${p.partition}/offsets`),
          query: { at: start.at },
          signal: abort.signal,
        });
        starts.set(p.partition, r.offset);
      }),
    );
  } else {
    for (const p of selected) {
      if (start.kind === 'beginning') starts.set(p.partition, p.logStartOffset);
      else if (start.kind === 'end') starts.set(p.partition, p.highWatermark);
      else if (start.offset < 0) starts.set(p.partition, Math.max(p.logStartOffset, p.highWatermark + start.offset));
      else {
        if (start.offset < p.logStartOffset || start.offset > p.highWatermark) {
          throw new OffsetOutOfRangeError(
            `Offset ${start.offset} is out of range for partition ${p.partition} of '${topic}' ` +
              `(log start ${p.logStartOffset}, high watermark ${p.highWatermark}).`,
          );
        }
        starts.set(p.partition, start.offset);
      }
    }
  }

  let remaining = opts.maxMessages ?? Infinity;
  let written = 0;
  const perFetch = opts.maxRecordsPerFetch ?? 500;
  const waitMs = opts.waitMs ?? 5_000;
  const turns = new TurnTaker(Math.max(1, Math.min(selected.length, opts.follow ? 64 : 8)));
  const finished = () => remaining <= 0 || abort.signal.aborted;

  const consumePartition = async (partition: number, end: number): Promise<void> => {
    let next = starts.get(partition)!;
    let failures = 0;
    while (!finished() && (opts.follow || next < end)) {
      const before = next;
      const want = Math.min(perFetch, remaining, opts.follow ? Infinity : end - next);
      let res: FetchResponse;
      await turns.acquire();
      try {
        if (finished()) return;
        res = await client.json<FetchResponse>({
          method: 'GET',
          path: topicPath(topic, `/partitions/${partition}/records`),
          query: { offset: next, maxRecords: want, encoding: 'base64', ...(opts.follow ? { waitMs } : {}) },
          signal: abort.signal,
        });
        failures = 0;
      } catch (err) {
        if (abort.signal.aborted) return;
        if (isSluiceError(err) && err.code === 'OFFSET_OUT_OF_RANGE') {
          const logStart = Number(err.details.logStartOffset);
          const hw = Number(err.details.highWatermark);
          const to = Number.isFinite(logStart) && next < logStart ? logStart : Number.isFinite(hw) ? hw : undefined;
          if (to === undefined || to === next) throw err;
          warn(`warning: partition ${partition}: offset ${next} is out of range (log start ${logStart}, high watermark ${hw}); continuing at ${to}`);
          next = to;
          continue;
        }
        // Following, we outlast a restarting server; otherwise give up after a while.
        if (!isRetriable(err) || (++failures > 8 && !opts.follow)) throw err;
        const delay = retryDelay(err, Math.min(failures, 6));
        warnOnce(`warning: ${(err as SluiceError).code}: ${(err as Error).message}; retrying`);
        await sleep(delay, abort.signal).catch(() => {});
        continue;
      } finally {
        turns.release();
      }
      const chunks: Buffer[] = [];
      for (const r of res.records ?? []) {
        if (r.offset < next) continue;
        if (!opts.follow && r.offset >= end) break;
        if (remaining <= 0) break;
        remaining--;
        written++;
        chunks.push(
          opts.render({
            topic,
            partition,
            offset: r.offset,
            timestamp: r.timestamp,
            key: decode(r.key),
            value: decode(r.value),
            headers: wireHeaders(r.headers),
          }),
        );
        next = r.offset + 1;
      }
      if (typeof res.nextOffset === 'number' && res.nextOffset > next && (opts.follow || res.nextOffset <= end)) next = res.nextOffset;
      if (chunks.length) await opts.write(Buffer.concat(chunks));
      if (remaining <= 0) abort.abort();
      // Without --follow, a fetch that brings no progress ends the partition (the log was
      // truncated or deleted under us); never spin on it.
      if (!opts.follow && next === before) {
        if (next < end) warn(`warning: partition ${partition}: no records at offset ${next} (high watermark ${res.highWatermark}); stopping there`);
        return;
      }
    }
  };

  try {
    const loops = selected.map((p) => consumePartition(p.partition, p.highWatermark));
    const results = await Promise.allSettled(loops);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && !(outer?.aborted || remaining <= 0)) throw failed.reason;
    return written;
  } finally {
    abort.abort();
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

/** Writes to stdout, waiting for it to drain (so a slow reader slows us down). */
function stdoutWriter(): (chunk: Buffer) => Promise<void> {
  return (chunk) =>
    new Promise((resolve) => {
      if (process.stdout.write(chunk)) resolve();
      else process.stdout.once('drain', resolve);
    });
}

export function startPositionFrom(opts: { fromBeginning?: boolean; offset?: string; fromTime?: string }): StartPosition {
  const given = [opts.fromBeginning ? '--from-beginning' : '', opts.offset !== undefined ? '--offset' : '', opts.fromTime !== undefined ? '--from-time' : ''].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(', ')} cannot be combined: pick one start position.`);
  if (opts.fromBeginning) return { kind: 'beginning' };
  if (opts.offset !== undefined) {
    const o = opts.offset.trim().toLowerCase();
    if (o === 'beginning' || o === 'earliest') return { kind: 'beginning' };
    if (o === 'end' || o === 'latest') return { kind: 'end' };
    return { kind: 'offset', offset: parseInteger(opts.offset, '--offset') };
  }
  if (opts.fromTime !== undefined) return { kind: 'time', at: parseTime(opts.fromTime) };
  return { kind: 'end' };
}

interface CliConsumeOptions {
  fromBeginning?: boolean;
  offset?: string;
  fromTime?: string;
  partition?: number;
  maxMessages?: number;
  follow?: boolean;
  format?: string;
  json?: boolean;
  quiet?: boolean;
  group?: string;
}

export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description('print records of a topic to stdout')
    .argument('<topic>', 'topic name')
    .option('--from-beginning', 'start at the log start of each partition (default: only new records)')
    .option('-o, --offset <n>', 'start at offset n in every selected partition (negative: n from the end; also beginning|end)')
    .option('--from-time <time>', 'start at the first record at or after this time (epoch ms or ISO-8601)')
    .option('-p, --partition <n>', 'read only this partition (default: all)', (v) => parseInteger(v, '--partition', { min: 0 }))
    .option('-c, --max-messages <n>', 'exit after n records', (v) => parseInteger(v, '--max-messages', { min: 1 }))
    .option('-f, --follow', 'keep waiting for new records (default: exit at the end seen at start)')
    .option('--format <fmt>', 'kcat-style format: %t %p %o %k %v %T %h %K %S, \\n \\t escapes', DEFAULT_FORMAT)
    .option('--json', 'one JSON object per record: {topic,partition,offset,timestamp,key,value,headers}')
    .option('-q, --quiet', 'do not print the "Processed a total of N messages" line to stderr')
    .option(
      '-g, --group <id>',
      "consume as a member of this consumer group: start at its committed offsets (else the end, or the log start with --from-beginning), follow its assignment, commit what is printed",
    )
    .addHelpText(
      'after',
      `
Examples:
  sluice consume quickstart-events --from-beginning
  sluice consume orders --from-beginning --format '%p/%o %k:%v\\n'
  sluice consume orders --partition 0 --offset 42 --max-messages 10 --json
  sluice consume orders --follow
  sluice consume orders --group billing --max-messages 100`,
    )
    .action(async (topic: string, opts: CliConsumeOptions, cmd: Command) => {
      if (opts.group !== undefined) {
        const clash = [opts.offset !== undefined ? '--offset' : '', opts.fromTime !== undefined ? '--from-time' : '', opts.partition !== undefined ? '--partition' : ''].filter(Boolean);
        if (clash.length) throw new UsageError(`--group cannot be combined with ${clash.join(', ')}: the group decides partitions and offsets.`);
      }
      const start = startPositionFrom(opts);
      if (opts.json && cmd.getOptionValueSource('format') === 'cli') throw new UsageError('--json and --format cannot be combined.');
      const render = opts.json
        ? (r: OutputRecord) => Buffer.from(`${JSON.stringify(jsonEnvelope(r))}\n`)
        : compileFormat(opts.format ?? DEFAULT_FORMAT);
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const n =
          opts.group !== undefined
            ? await consumeGroup(client, topic, {
                group: opts.group,
                fromBeginning: opts.fromBeginning ?? false,
                ...(opts.maxMessages !== undefined ? { maxMessages: opts.maxMessages } : {}),
                follow: opts.follow ?? false,
                render,
                write: stdoutWriter(),
                signal: stop.signal,
              })
            : await consumeTopic(client, topic, {
                start,
                ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
                ...(opts.maxMessages !== undefined ? { maxMessages: opts.maxMessages } : {}),
                follow: opts.follow ?? false,
                render,
                write: stdoutWriter(),
                signal: stop.signal,
              });
        if (!opts.quiet) process.stderr.write(`Processed a total of ${n} messages\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
