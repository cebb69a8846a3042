// sluice bench — benchmarks.
//   sluice bench [--quick] [--json FILE]   the whole suite (lib/bench): produce,
//                                          fetch, end-to-end, compaction, codec, cost model,
//                                          handler profiles; on a local platform it starts
//                                          itself, or over HTTP against --endpoint/--outputs
//   sluice bench codec                     RecordBatch v2 encode/decode throughput of
//                                          lib/records against kafkajs, side by side
//   sluice bench growth                    latency of the dev server as one partition grows
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createClient, type GlobalOptions } from '../context.ts';
import { CliError } from '../errors.ts';
import { parseInteger } from '../parse.ts';
import { table } from '../table.ts';

export interface CodecNumbers {
  encodeMBps: number;
  decodeMBps: number;
  peerEncodeMBps: number;
  peerDecodeMBps: number;
  ratio: number;
}

/** The human-readable result table. */
export function renderCodecTable(r: CodecNumbers, recordBytes: number): string {
  const f = (n: number) => n.toFixed(1);
  const x = (n: number) => `${n.toFixed(2)}x`;
  return [
    `RecordBatch v2 codec, ${recordBytes === 1024 ? '1 KiB' : `${recordBytes} B`} records (MB/s of encoded batch)`,
    '',
    table(
      ['', 'ENCODE MB/s', 'DECODE MB/s'],
      [
        ['sluice', f(r.encodeMBps), f(r.decodeMBps)],
        ['kafkajs', f(r.peerEncodeMBps), f(r.peerDecodeMBps)],
        ['sluice/kafkajs', x(r.encodeMBps / r.peerEncodeMBps), x(r.decodeMBps / r.peerDecodeMBps)],
      ],
      [false, true, true],
    ),
    '',
    `ratio (encode+decode combined): ${x(r.ratio)}`,
  ].join('\n');
}

interface SuiteCommandOptions {
  quick?: boolean;
  json?: string;
  profile?: boolean;
}

function writeJson(file: string, doc: unknown): void {
  try {
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks: with no subcommand, the whole suite against a local platform it starts (or --endpoint)')
    .option('--quick', 'fewer iterations and smaller logs (under 2 minutes on 2 cores)')
    .option('--json <file>', 'also write the figures to <file> as flat dotted keys')
    .option('--no-profile', 'skip the handler CPU profiles')
    .action(async (opts: SuiteCommandOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const remote = globals.endpoint !== undefined || globals.outputs !== undefined;
      const endpoint = remote ? createClient(globals) : undefined;
      const { runSuite } = await import('../../bench/harness/suite.ts');
      const { renderReport } = await import('../../bench/harness/report.ts');
      let result: Awaited<ReturnType<typeof runSuite>>;
      try {
        result = await runSuite({
          quick: Boolean(opts.quick),
          ...(endpoint ? { endpoint } : {}),
          stderr: process.stderr,
          ...(opts.profile === false ? { noProfile: true } : {}),
        });
      } catch (err) {
        throw new CliError(`benchmark failed: ${(err as Error).message}`);
      }
      process.stdout.write(`${renderReport(result.meta, result.parts, result.values)}\n`);
      if (opts.json) writeJson(opts.json, { ...result.values, meta: result.meta });
    });

  bench
    .command('growth')
    .description('does the dev server slow down as a partition grows? (single-record appends with a latency probe)')
    .option('--records <n>', 'records to append to the partition (default 50000)', (v) => parseInteger(v, '--records', { min: 1, max: 10_000_000 }))
    .option('--every <n>', 'report every n records (default 5000)', (v) => parseInteger(v, '--every', { min: 1, max: 10_000_000 }))
    .option('--no-background', 'run the dev server without its maintenance timer and subscription dispatcher')
    .action(async (opts: { records?: number; every?: number; background: boolean }) => {
      const { runGrowth } = await import('../../bench/growth.ts');
      const records = opts.records ?? 50_000;
      process.stderr.write(`growing one partition to ${records} records, background work ${opts.background ? 'on (dev server defaults)' : 'off'}…\n`);
      try {
        await runGrowth({ records, every: opts.every ?? 5_000, background: opts.background, out: (line) => process.stdout.write(`${line}\n`) });
      } catch (err) {
        throw new CliError(`growth benchmark failed: ${(err as Error).message}`);
      }
    });

  bench
    .command('codec')
    .description('encode/decode throughput of the RecordBatch codec vs kafkajs, same run')
    .option('--seconds <n>', 'measuring time (default 8)', (v) => parseInteger(v, '--seconds', { min: 1, max: 600 }))
    .option('--records <n>', 'records per batch (default 100)', (v) => parseInteger(v, '--records', { min: 1, max: 100_000 }))
    .option('--record-bytes <n>', 'value size per record (default 1024)', (v) => parseInteger(v, '--record-bytes', { min: 0, max: 1 << 20 }))
    // `--json <file>` belongs to `bench` (commander hands a parent's option to the parent
    // wherever it appears), so `bench codec --json F` reads it from there.
    .addHelpText('after', '\n  --json <file> (an option of `bench`) also writes the numbers as JSON to <file>.')
    .action(async (opts: { seconds?: number; records?: number; recordBytes?: number }, cmd: Command) => {
      const json = (cmd.parent?.opts() as SuiteCommandOptions | undefined)?.json;
      const { runCodecBench } = await import('../../bench/codec/measure.ts');
      const recordBytes = opts.recordBytes ?? 1024;
      const tty = process.stderr.isTTY;
      let result: CodecNumbers;
      try {
        result = await runCodecBench({
          ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
          ...(opts.records !== undefined ? { records: opts.records } : {}),
          recordBytes,
          ...(tty ? { onProgress: (f: number) => process.stderr.write(`\rmeasuring… ${Math.round(f * 100)}%`) } : {}),
        });
      } catch (err) {
        throw new CliError(`codec benchmark failed: ${(err as Error).message}`);
      } finally {
        if (tty) process.stderr.write('\r\x1b[K');
      }
      process.stdout.write(`${renderCodecTable(result, recordBytes)}\n`);
      if (json) {
        const doc = {
          benchmark: 'codec',
          recordBytes,
          recordsPerBatch: opts.records ?? 100,
          node: process.version,
          ...result,
        };
        writeJson(json, doc);
      }
    });
}
