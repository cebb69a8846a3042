// sluice produce TOPIC — kafka-console-producer / `kcat -P`: one record per stdin line.
//
// A line is the bytes between two '\n' (nothing else is stripped, so a '\r' stays part
// of the value, and any bytes survive). With --key-separator the key is what precedes the
// first separator; a line without it is an error, and nothing read with it (its block of
// input) or after it is sent. The records go through the SDK's Producer: batched per
// partition, in line order per partition, keyed lines in Kafka's partition for their key,
// and idempotent: a retried batch is the same numbered batch, which the server stores once.
//
// With --transactional-id, all of stdin is ONE transaction: the lines are staged as they
// are read and committed together at the end of the input, so either every line becomes
// visible or (a bad line, a failure, Ctrl-C) none does.
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { isSluiceError } from '../../client/errors.ts';
import type { Producer, ProducerOptions, ProducerRecord } from '../../client/producer/index.ts';
import type { Sluice } from '../../client/sluice.ts';
import { createSluice, type GlobalOptions } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { collect, parseConfigs, parseInteger, splitKey } from '../parse.ts';

export interface ProduceOptions {
  keySeparator?: string;
  partition?: number;
  /** Header values as strings (k=v already split). */
  headers?: Record<string, string>;
  /** Producer settings over the CLI's defaults. */
  producer?: ProducerOptions;
  /** Diagnostics (retries); default stderr. */
  warn?: (line: string) => void;
}

/** Up to 100 ms to fill a batch, and a failure reported after 4 retries rather than 10. */
export const PRODUCE_DEFAULTS: ProducerOptions = { lingerMs: 100, retries: 4, retryBackoffMs: 200 };

/** Reading stdin pauses while this much is sent and not yet acknowledged. */
const MAX_PENDING = { records: 20_000, bytes: 16 * 1024 * 1024 };

const NEWLINE = 0x0a;

/** A line without the key separator: reported once the records before it are settled. */
class MissingSeparator {
  constructor(
    readonly lineNo: number,
    readonly line: Buffer,
  ) {}

  error(separator: string, produced: number): CliError {
    const shown = this.line.length > 80 ? `${this.line.subarray(0, 80).toString('utf8')}…` : this.line.toString('utf8');
    return new CliError(
      `no key separator '${separator}' found on line ${this.lineNo}: '${shown}' ` +
        `(${produced} records were produced before it; nothing from its batch on was sent)`,
    );
  }
}

/** Turns a line into a record: key and value split, the headers and partition of every record. */
function lineParser(topic: string, opts: ProduceOptions): (line: Buffer, lineNo: number) => ProducerRecord {
  const separator = opts.keySeparator === undefined ? undefined : Buffer.from(opts.keySeparator, 'utf8');
  if (separator && separator.length === 0) throw new UsageError('--key-separator must not be empty.');
  const headers = opts.headers && Object.keys(opts.headers).length ? opts.headers : undefined;
  return (line, lineNo) => {
    let key: Buffer | null = null;
    let value = line;
    if (separator) {
      const kv = splitKey(line, separator);
      if (!kv) throw new MissingSeparator(lineNo, line);
      ({ key, value } = kv);
    }
    return {
      topic,
      key,
      value,
      ...(headers ? { headers } : {}),
      ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
    };
  };
}

/**
 * Reads `input` to its end and produces every line; resolves to the number of records
 * acknowledged. Rejects (once what was sent is settled) with the first error.
 * `stop()` on the returned handle ends reading as if the input had ended.
 */
export function produceLines(sluice: Sluice, topic: string, input: Readable, opts: ProduceOptions = {}): { done: Promise<number>; stop(): void } {
  const lines = new LineProducer(sluice, topic, input, opts);
  return { done: lines.done(), stop: () => lines.stop() };
}

/** Lines of the input, as records handed to a Producer, with stdin paused while too much is pending. */
class LineProducer {
  private readonly toRecord: (line: Buffer, lineNo: number) => ProducerRecord;
  private readonly producer: Producer;
  private carry: Buffer[] = [];
  private lineNo = 0;
  private produced = 0;
  private pending = { records: 0, bytes: 0 };
  private failure: unknown;
  private reading = true;
  private inputDone!: () => void;
  private readonly ended = new Promise<void>((resolve) => (this.inputDone = resolve));
  private readonly onData = (chunk: Buffer | string) => this.read(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  private readonly onEnd = () => this.end();
  private readonly onError = (err: Error) => this.fail(new CliError(`reading stdin failed: ${err.message}`));

  constructor(
    sluice: Sluice,
    topic: string,
    private readonly input: Readable,
    private readonly opts: ProduceOptions,
  ) {
    const warn = opts.warn ?? ((s: string) => process.stderr.write(`${s}\n`));
    this.toRecord = lineParser(topic, opts);
    this.producer = sluice.producer({ ...PRODUCE_DEFAULTS, ...opts.producer });
    this.producer.on('warning', (err) => warn(`warning: ${isSluiceError(err) ? `${err.code}: ` : ''}${err.message}; retrying`));
    input.on('data', this.onData);
    input.once('end', this.onEnd);
    input.once('error', this.onError);
  }

  async done(): Promise<number> {
    try {
      await this.ended;
      // Every record handed to the producer is acknowledged or failed before we answer.
      await this.producer.close();
    } finally {
      this.input.off('data', this.onData);
      this.input.off('end', this.onEnd);
      this.input.off('error', this.onError);
    }
    if (this.failure instanceof MissingSeparator) throw this.failure.error(this.opts.keySeparator!, this.produced);
    if (this.failure) throw this.failure;
    return this.produced;
  }

  stop(): void {
    this.stopReading();
    this.end();
  }

  private read(buf: Buffer): void {
    if (this.failure) return;
    const records: ProducerRecord[] = [];
    try {
      let start = 0;
      for (let i = buf.indexOf(NEWLINE); i >= 0; i = buf.indexOf(NEWLINE, start)) {
        const piece = buf.subarray(start, i);
        const line = this.carry.length ? Buffer.concat([...this.carry, piece]) : Buffer.from(piece);
        this.carry = [];
        start = i + 1;
        records.push(this.toRecord(line, ++this.lineNo));
      }
      if (start < buf.length) this.carry.push(Buffer.from(buf.subarray(start)));
    } catch (err) {
      // Nothing of this block of input is sent.
      this.fail(err);
      return;
    }
    this.send(records);
  }

  private end(): void {
    if (!this.failure && this.carry.length) {
      try {
        this.send([this.toRecord(Buffer.concat(this.carry), ++this.lineNo)]);
      } catch (err) {
        this.fail(err);
      }
    }
    this.carry = [];
    this.inputDone();
  }

  private send(records: ProducerRecord[]): void {
    for (const rec of records) {
      const bytes = (rec.value as Buffer).length + ((rec.key as Buffer | null)?.length ?? 0);
      this.track(1, bytes);
      void this.producer
        .send(rec)
        .then(() => void this.produced++, (err: unknown) => this.fail(err))
        .finally(() => this.track(-1, -bytes));
    }
  }

  /** Backpressure: do not read far ahead of what the server has taken. */
  private track(records: number, bytes: number): void {
    const p = (this.pending = { records: this.pending.records + records, bytes: this.pending.bytes + bytes });
    if (p.records >= MAX_PENDING.records || p.bytes >= MAX_PENDING.bytes) this.input.pause();
    else if (this.reading && this.input.isPaused() && p.records < MAX_PENDING.records / 2 && p.bytes < MAX_PENDING.bytes / 2) this.input.resume();
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    this.stopReading();
    this.inputDone();
  }

  private stopReading(): void {
    this.reading = false;
    this.input.off('data', this.onData);
    this.input.pause();
  }
}

/**
 * Reads `input` to its end and produces every line in one transaction; resolves to the
 * number of records committed. On any error nothing is visible (the transaction aborts).
 */
export async function produceTransaction(sluice: Sluice, topic: string, input: Readable, transactionalId: string, opts: ProduceOptions = {}): Promise<number> {
  const toRecord = lineParser(topic, opts);
  const producer = sluice.producer({ ...PRODUCE_DEFAULTS, ...opts.producer, transactionalId });
  let lineNo = 0;
  try {
    const sent = await producer.transaction(async (tx) => {
      let carry: Buffer[] = [];
      for await (const chunk of input) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
        const records: ProducerRecord[] = [];
        let start = 0;
        for (let i = buf.indexOf(NEWLINE); i >= 0; i = buf.indexOf(NEWLINE, start)) {
          records.push(toRecord(Buffer.concat([...carry, buf.subarray(start, i)]), ++lineNo));
          carry = [];
          start = i + 1;
        }
        if (start < buf.length) carry.push(Buffer.from(buf.subarray(start)));
        await tx.send(records);
      }
      if (carry.length) await tx.send(toRecord(Buffer.concat(carry), ++lineNo));
    });
    return sent.length;
  } catch (err) {
    if (err instanceof MissingSeparator) throw new CliError(`${err.error(opts.keySeparator!, 0).message.replace(/ \(.*\)$/, '')}; nothing was committed`);
    throw err;
  } finally {
    await producer.close();
  }
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('produce records read from stdin, one per line')
    .argument('<topic>', 'topic name')
    .option('-K, --key-separator <sep>', 'split each line into key and value at the first <sep>')
    .option('-p, --partition <n>', 'send every record to this partition', (v) => parseInteger(v, '--partition', { min: 0 }))
    .option('-H, --header <key=value>', 'header added to every record (repeatable)', collect)
    .option('-t, --transactional-id <id>', 'produce all of stdin in one transaction under this transactional id')
    .addHelpText(
      'after',
      `
Examples:
  echo 'hello' | sluice produce quickstart-events
  printf 'alice:1\\nbob:2\\n' | sluice produce orders --key-separator :
  sluice produce orders --header source=cli < events.txt
  sluice produce orders --transactional-id nightly-load < batch.txt   (all lines or none)`,
    )
    .action(async (topic: string, opts: { keySeparator?: string; partition?: number; header?: string[]; transactionalId?: string }, cmd: Command) => {
      const headers = parseConfigs(opts.header, '--header');
      if (opts.keySeparator === '') throw new UsageError('--key-separator must not be empty.');
      const sluice = createSluice(cmd.optsWithGlobals<GlobalOptions>());
      if (opts.transactionalId !== undefined) {
        const lineOpts = {
          ...(opts.keySeparator !== undefined ? { keySeparator: opts.keySeparator } : {}),
          ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
          headers,
        };
        try {
          await produceTransaction(sluice, topic, process.stdin, opts.transactionalId, lineOpts);
        } finally {
          process.stdin.destroy();
        }
        return;
      }
      if (process.stdin.isTTY) {
        process.stderr.write(`Type records for '${topic}', one per line${opts.keySeparator ? ` (key${opts.keySeparator}value)` : ''}; Ctrl-D to finish.\n`);
      }
      const run = produceLines(sluice, topic, process.stdin, {
        ...(opts.keySeparator !== undefined ? { keySeparator: opts.keySeparator } : {}),
        ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
        headers,
      });
      // Ctrl-C: stop reading and send what was read (like closing the console producer);
      // a second Ctrl-C exits at once.
      const onSignal = () => {
        process.off('SIGINT', onSignal);
        process.once('SIGINT', () => process.exit(130));
        run.stop();
      };
      process.on('SIGINT', onSignal);
      try {
        await run.done;
      } finally {
        process.off('SIGINT', onSignal);
        process.stdin.destroy();
      }
    });
}
