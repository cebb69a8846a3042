// sluice bench <name> — benchmarks. `codec`: RecordBatch v2 encode/decode throughput of
// lib/records against kafkajs's implementation, measured side by side in this run.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
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

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks');

  bench
    .command('codec', { isDefault: true })
    .description('encode/decode throughput of the RecordBatch codec vs kafkajs, same run')
    .option('--seconds <n>', 'measuring time (default 8)', (v) => parseInteger(v, '--seconds', { min: 1, max: 600 }))
    .option('--records <n>', 'records per batch (default 100)', (v) => parseInteger(v, '--records', { min: 1, max: 100_000 }))
    .option('--record-bytes <n>', 'value size per record (default 1024)', (v) => parseInteger(v, '--record-bytes', { min: 0, max: 1 << 20 }))
    .option('--json <file>', 'also write the numbers as JSON to <file>')
    .action(async (opts: { seconds?: number; records?: number; recordBytes?: number; json?: string }) => {
      const { runCodecBench } = await import('../../records/bench.ts');
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
      if (opts.json) {
        const doc = {
          benchmark: 'codec',
          recordBytes,
          recordsPerBatch: opts.records ?? 100,
          node: process.version,
          ...result,
        };
        try {
          writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
        } catch (err) {
          throw new CliError(`cannot write ${opts.json}: ${(err as Error).message}`);
        }
      }
    });
}
