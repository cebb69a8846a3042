// sluice produce TOPIC — kafka-console-producer / `kcat -P`: one record per stdin line.
//
// A line is the bytes between two '\n' (nothing else is stripped, so a '\r' stays part
// of the value, and any bytes survive: records go base64 in the JSON produce API). With
// --key-separator the key is what precedes the first separator; a line without it is an
// error. Lines are batched (500 records or 1 MiB, and at most ~100 ms of waiting), sent
// one request at a time in order, each with an Idempotency-Key so a retried request
// cannot be written twice.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { errorFromBody, SluiceError } from '../../core/errors.ts';
import type { HttpClient } from '../../client/http.ts';
import { createClient, topicPath, type GlobalOptions } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { collect, parseConfigs, parseInteger, splitKey } from '../parse.ts';
import { isRetriable, retryDelay, sleep } from '../retry.ts';

export interface ProduceOptions {
  keySeparator?: string;
  partition?: number;
  /** Header values as strings (k=v already split). */
  headers?: Record<string, string>;
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  lingerMs?: number;
  attempts?: number;
  /** Diagnostics (retries); default stderr. */
  warn?: (line: string) => void;
}

interface WireRecord {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
  partition?: number;
}

interface Batch {
  records: WireRecord[];
  bytes: number;
  since: number;
}

interface ProduceResponse {
  offsets: Array<{ partition: number; offset?: number; error?: { code?: string; message?: string } }>;
}

export const PRODUCE_DEFAULTS = { maxBatchRecords: 500, maxBatchBytes: 1024 * 1024, lingerMs: 100, attempts: 5 };

const NEWLINE = 0x0a;

/**
 * Reads `input` to its end and produces every line; resolves to the number of records
 * acknowledged. Rejects (after waiting for the request in flight) on the first error.
 * `stop()` on the returned handle ends reading as if the input had ended.
 */
export function produceLines(
  client: HttpClient,
  topic: string,
  input: Readable,
  opts: ProduceOptions = {},
): { done: Promise<number>; stop(): void } {
  const maxRecords = opts.maxBatchRecords ?? PRODUCE_DEFAULTS.maxBatchRecords;
  const maxBytes = opts.maxBatchBytes ?? PRODUCE_DEFAULTS.maxBatchBytes;
  const lingerMs = opts.lingerMs ?? PRODUCE_DEFAULTS.lingerMs;
  const attempts = opts.attempts ?? PRODUCE_DEFAULTS.attempts;
  const warn = opts.warn ?? ((s: string) => process.stderr.write(`${s}\n`));
  const separator = opts.keySeparator === undefined ? undefined : Buffer.from(opts.keySeparator, 'utf8');
  if (separator && separator.length === 0) throw new UsageError('--key-separator must not be empty.');
  const headers = opts.headers && Object.keys(opts.headers).length
    ? Object.fromEntries(Object.entries(opts.headers).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]))
    : undefined;

  const ready: Batch[] = [];
  let current: Batch | undefined;
  let carry: Buffer[] = [];
  let lineNo = 0;
  let eof = false;
  let failure: Error | undefined;
  let produced = 0;
  let waiter: (() => void) | undefined;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };

  const seal = () => {
    if (current) ready.push(current);
    current = undefined;
  };

  const addLine = (line: Buffer) => {
    lineNo++;
    let key: Buffer | null = null;
    let value = line;
    if (separator) {
      const kv = splitKey(line, separator);
      if (!kv) {
        const shown = line.length > 80 ? `${line.subarray(0, 80).toString('utf8')}…` : line.toString('utf8');
        throw new CliError(
          `no key separator '${opts.keySeparator}' found on line ${lineNo}: '${shown}' ` +
            `(${produced} records were produced before it; nothing from its batch on was sent)`,
        );
      }
      ({ key, value } = kv);
    }
    const rec: WireRecord = { key: key === null ? null : key.toString('base64'), value: value.toString('base64') };
    if (headers) rec.headers = headers;
    if (opts.partition !== undefined) rec.partition = opts.partition;
    const size = value.length + (key?.length ?? 0) + 32;
    if (current && (current.records.length >= maxRecords || current.bytes + size > maxBytes)) seal();
    current ??= { records: [], bytes: 0, since: Date.now() };
    current.records.push(rec);
    current.bytes += size;
    if (current.records.length >= maxRecords || current.bytes >= maxBytes) seal();
  };

  const fail = (err: Error) => {
    failure ??= err;
    // Nothing more is sent: drop what is queued and stop reading.
    ready.length = 0;
    current = undefined;
    input.off('data', onData);
    input.pause();
    wake();
  };

  const onData = (chunk: Buffer | string) => {
    if (failure) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    try {
      let start = 0;
      for (let i = buf.indexOf(NEWLINE); i >= 0; i = buf.indexOf(NEWLINE, start)) {
        const piece = buf.subarray(start, i);
        const line = carry.length ? Buffer.concat([...carry, piece]) : Buffer.from(piece);
        carry = [];
        start = i + 1;
        addLine(line);
      }
      if (start < buf.length) carry.push(Buffer.from(buf.subarray(start)));
    } catch (err) {
      fail(err as Error);
      return;
    }
    // Backpressure: do not read far ahead of what the server has taken.
    if (ready.length >= 2) input.pause();
    wake();
  };

  const onEnd = () => {
    if (eof) return;
    eof = true;
    if (!failure && carry.length) {
      try {
        addLine(Buffer.concat(carry));
      } catch (err) {
        fail(err as Error);
      }
    }
    carry = [];
    wake();
  };

  const onError = (err: Error) => fail(new CliError(`reading stdin failed: ${err.message}`));

  input.on('data', onData);
  input.once('end', onEnd);
  input.once('error', onError);

  const send = async (batch: Batch): Promise<void> => {
    let records = batch.records;
    for (let attempt = 1; ; attempt++) {
      let res: ProduceResponse;
      try {
        res = await client.json<ProduceResponse>({
          method: 'POST',
          path: topicPath(topic, '/records'),
          headers: { 'idempotency-key': randomUUID() },
          body: { encoding: 'base64', records },
        });
      } catch (err) {
        if (!isRetriable(err) || attempt >= attempts) throw err;
        const delay = retryDelay(err, attempt);
        warn(`warning: ${(err as SluiceError).code}: ${(err as Error).message}; retrying in ${Math.round(delay)} ms`);
        await sleep(delay);
        continue;
      }
      // Partitions that failed wrote nothing for this request: resend just their records,
      // pinned to the partition they were given, while later batches wait.
      const failed: WireRecord[] = [];
      let fatal: SluiceError | undefined;
      let retriable: SluiceError | undefined;
      const entries = Array.isArray(res?.offsets) ? res.offsets : [];
      records.forEach((rec, i) => {
        const entry = entries[i];
        if (!entry?.error) return;
        const err = errorFromBody(500, { error: entry.error });
        if (err.retriable && attempt < attempts) {
          retriable ??= err;
          failed.push({ ...rec, partition: entry.partition });
        } else if (!fatal) {
          fatal = new SluiceError(err.code, err.status, `partition ${entry.partition}: ${err.message}`, { retriable: err.retriable });
        }
      });
      produced += records.filter((_, i) => !entries[i]?.error).length;
      if (fatal) throw fatal;
      if (!failed.length) return;
      const delay = retryDelay(retriable, attempt);
      warn(`warning: ${failed.length} records failed (${retriable!.code}: ${retriable!.message}); retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
      records = failed;
    }
  };

  let stopRequested = false;
  const done = (async () => {
    try {
      for (;;) {
        if (failure) throw failure;
        let batch = ready.shift();
        if (!batch) {
          const linger = current ? current.since + lingerMs - Date.now() : Infinity;
          if (current && (eof || linger <= 0)) {
            batch = current;
            current = undefined;
          } else if (eof) {
            break;
          } else {
            await new Promise<void>((resolve) => {
              waiter = resolve;
              if (Number.isFinite(linger)) setTimeout(wake, Math.max(1, linger));
            });
            continue;
          }
        }
        if (ready.length < 2 && !eof && !stopRequested && input.isPaused()) input.resume();
        try {
          await send(batch);
        } catch (err) {
          fail(err as Error);
        }
      }
      return produced;
    } finally {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
    }
  })();

  return {
    done,
    stop: () => {
      stopRequested = true;
      input.off('data', onData);
      input.pause();
      onEnd();
    },
  };
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('produce records read from stdin, one per line')
    .argument('<topic>', 'topic name')
    .option('-K, --key-separator <sep>', 'split each line into key and value at the first <sep>')
    .option('-p, --partition <n>', 'send every record to this partition', (v) => parseInteger(v, '--partition', { min: 0 }))
    .option('-H, --header <key=value>', 'header added to every record (repeatable)', collect)
    .addHelpText(
      'after',
      `
Examples:
  echo 'hello' | sluice produce quickstart-events
  printf 'alice:1\\nbob:2\\n' | sluice produce orders --key-separator :
  sluice produce orders --header source=cli < events.txt`,
    )
    .action(async (topic: string, opts: { keySeparator?: string; partition?: number; header?: string[] }, cmd: Command) => {
      const headers = parseConfigs(opts.header, '--header');
      if (opts.keySeparator === '') throw new UsageError('--key-separator must not be empty.');
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      if (process.stdin.isTTY) {
        process.stderr.write(`Type records for '${topic}', one per line${opts.keySeparator ? ` (key${opts.keySeparator}value)` : ''}; Ctrl-D to finish.\n`);
      }
      const run = produceLines(client, topic, process.stdin, {
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
