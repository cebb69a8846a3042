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
// --group G consumes as a member of consumer group G instead (consumeGroup.ts): the group's committed offsets and assignment decide where to read, and what
// is printed is committed; --from-beginning then only applies to partitions the group has
// no offset for.
//
// Reading is the SDK's Reader: partitions take turns, records of a partition come in
// offset order, and they are printed as raw bytes through --format or --json.
import type { Command } from 'commander';
import { isSluiceError } from '../../client/errors.ts';
import type { ReaderOptions, ReadFrom } from '../../client/reader/index.ts';
import type { Sluice } from '../../client/sluice.ts';
import { createSluice, type GlobalOptions } from '../context.ts';
import { UsageError, warnOnce } from '../errors.ts';
import { compileFormat, DEFAULT_FORMAT, jsonEnvelope, outputRecord, type OutputRecord } from '../format.ts';
import { parseInteger, parseTime } from '../parse.ts';
import { stdoutWriter } from '../print.ts';
import { consumeGroup } from './consumeGroup.ts';

export type StartPosition =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: number }
  | { kind: 'time'; at: number };

/** How much to print, where, and when to stop: the same with or without a group. */
export interface PrintOptions {
  maxMessages?: number;
  /** Keep waiting for records; without it, stop at the end. */
  follow?: boolean;
  /** Long-poll wait when caught up. */
  waitMs?: number;
  /** Render one record to output bytes. */
  render: (r: OutputRecord) => Buffer;
  write: (chunk: Buffer) => Promise<void> | void;
  warn?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ConsumeOptions extends PrintOptions {
  start: StartPosition;
  partition?: number;
  maxRecordsPerFetch?: number;
}

const readFrom = (start: StartPosition): ReadFrom =>
  start.kind === 'beginning'
    ? 'earliest'
    : start.kind === 'end'
      ? 'latest'
      : start.kind === 'time'
        ? { timestamp: start.at }
        : start.offset < 0
          ? { fromEnd: -start.offset }
          : { offset: start.offset };

/** Consumes and writes records; resolves to the number written. */
export async function consumeTopic(sluice: Sluice, topic: string, opts: ConsumeOptions): Promise<number> {
  const warn = opts.warn ?? ((s: string) => process.stderr.write(`${s}\n`));
  const retrying = warnOnce(warn);
  const reader = sluice.reader({
    topic,
    from: readFrom(opts.start),
    follow: opts.follow ?? false,
    ...(opts.partition !== undefined ? { partitions: [opts.partition] } : {}),
    ...(opts.maxMessages !== undefined ? { limit: opts.maxMessages } : {}),
    ...(opts.waitMs !== undefined ? { waitMs: opts.waitMs } : {}),
    ...(opts.maxRecordsPerFetch !== undefined ? { maxRecords: opts.maxRecordsPerFetch } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  } satisfies ReaderOptions);
  reader.on('warning', (err) => retrying(`warning: ${isSluiceError(err) ? `${err.code}: ` : ''}${err.message}; retrying`));
  reader.on('skipped', (e) =>
    warn(`warning: partition ${e.partition}: offset ${e.from} is out of range (log start ${e.logStartOffset}, high watermark ${e.highWatermark}); continuing at ${e.to}`),
  );
  reader.on('stalled', (e) => warn(`warning: partition ${e.partition}: no records at offset ${e.offset} (high watermark ${e.highWatermark}); stopping there`));
  let written = 0;
  for await (const batch of reader) {
    await opts.write(Buffer.concat(batch.records.map((r) => opts.render(outputRecord(r)))));
    written += batch.records.length;
  }
  return written;
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
      const sluice = createSluice(cmd.optsWithGlobals<GlobalOptions>());
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const common = {
          ...(opts.maxMessages !== undefined ? { maxMessages: opts.maxMessages } : {}),
          follow: opts.follow ?? false,
          render,
          write: stdoutWriter(),
          signal: stop.signal,
        };
        const n =
          opts.group !== undefined
            ? await consumeGroup(sluice, topic, { group: opts.group, fromBeginning: opts.fromBeginning ?? false, ...common })
            : await consumeTopic(sluice, topic, { start, ...(opts.partition !== undefined ? { partition: opts.partition } : {}), ...common });
        if (!opts.quiet) process.stderr.write(`Processed a total of ${n} messages\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
