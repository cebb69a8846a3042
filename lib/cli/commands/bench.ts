// sluice bench — benchmarks (lib/bench); this file only parses the arguments.
//   sluice bench [--quick] [--json FILE] [--only S,..]   the whole suite (or some sections): produce, codec, fetch, end to
//                                          end, compaction, cost model, handler profiles;
//                                          on a local platform it starts itself, or over
//                                          HTTP against --endpoint/--outputs
//   sluice bench codec                     RecordBatch v2 encode/decode throughput of
//                                          lib/records against kafkajs, side by side
//   sluice bench growth                    latency of the dev server as one partition grows
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createClient, type GlobalOptions } from '../context.ts';
import { CliError } from '../errors.ts';
import { parseInteger } from '../parse.ts';

interface SuiteCommandOptions {
  quick?: boolean;
  json?: string;
  profile?: boolean;
  only?: string;
}

const bench = () => import('../../bench/index.ts');

/** Runs a benchmark; its errors carry a message for the user. */
async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

function writeJson(file: string, doc: unknown): void {
  try {
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

export function registerBench(program: Command): void {
  const command = program
    .command('bench')
    .description('benchmarks: with no subcommand, the whole suite against a local platform it starts (or --endpoint)')
    .option('--quick', 'fewer iterations and smaller logs (under 2 minutes on 2 cores)')
    .option('--json <file>', 'also write the figures to <file> as flat dotted keys')
    .option('--no-profile', 'skip the handler CPU profiles')
    .option('--only <sections>', 'run only these sections, comma-separated (e.g. hot,txn)')
    .action(async (opts: SuiteCommandOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const remote = globals.endpoint !== undefined || globals.outputs !== undefined;
      const endpoint = remote ? createClient(globals) : undefined;
      const { benchSuite } = await bench();
      const out = await run(() =>
        benchSuite({
          quick: Boolean(opts.quick),
          profile: opts.profile !== false,
          stderr: process.stderr,
          ...(endpoint ? { endpoint } : {}),
          ...(opts.only ? { only: opts.only.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        }),
      );
      process.stdout.write(out.text);
      if (opts.json) writeJson(opts.json, out.json);
    });

  command
    .command('growth')
    .description('does the dev server slow down as a partition grows? (single-record appends with a latency probe)')
    .option('--records <n>', 'records to append to the partition (default 50000)', (v) => parseInteger(v, '--records', { min: 1, max: 10_000_000 }))
    .option('--every <n>', 'report every n records (default 5000)', (v) => parseInteger(v, '--every', { min: 1, max: 10_000_000 }))
    .option('--no-background', 'run the dev server without its maintenance timer and subscription dispatcher')
    .action(async (opts: { records?: number; every?: number; background: boolean }) => {
      const records = opts.records ?? 50_000;
      process.stderr.write(`growing one partition to ${records} records, background work ${opts.background ? 'on (dev server defaults)' : 'off'}…\n`);
      const { benchGrowth } = await bench();
      await run(() => benchGrowth({ records, every: opts.every ?? 5_000, background: opts.background, out: (line) => process.stdout.write(`${line}\n`) }));
    });

  command
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
      const { benchCodec } = await bench();
      const out = await run(() =>
        benchCodec({
          ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
          ...(opts.records !== undefined ? { records: opts.records } : {}),
          recordBytes: opts.recordBytes ?? 1024,
          stderr: process.stderr,
        }),
      );
      process.stdout.write(out.text);
      if (json) writeJson(json, out.json);
    });
}
