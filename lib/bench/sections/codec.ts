// The codec section: RecordBatch v2 encode and decode throughput of lib/records against
// kafkajs, measured in this process before anything else runs (codec/measure.ts). Without
// kafkajs (an install without devDependencies) the suite skips it and says why.
import { runCodecBench, type CodecBenchOptions, type CodecBenchResult } from '../codec/measure.ts';
import { MissingDevDependency } from '../codec/kafkajs.ts';
import { atLeast, table } from '../harness/format.ts';
import { defineSection, putAll, SectionSkipped } from '../harness/section.ts';

export type { CodecBenchResult };

/** Runs the measurement; a missing kafkajs becomes SectionSkipped. */
export async function measureCodec(opts: CodecBenchOptions): Promise<CodecBenchResult> {
  try {
    return await runCodecBench(opts);
  } catch (err) {
    if (err instanceof MissingDevDependency) throw new SectionSkipped(`it compares against ${err.message}`, { cause: err });
    throw err;
  }
}

/** The human-readable result table of `sluice bench codec`. */
export function renderCodecTable(r: CodecBenchResult, recordBytes: number): string {
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

export const codec = defineSection({
  name: 'codec', where: 'process', reportOrder: 20,
  sizes: { full: { seconds: 8 }, quick: { seconds: 3 } },
  title: () => 'codec: RecordBatch v2 vs kafkajs',
  run(ctx, size) {
    ctx.progress.update(0, 1000);
    return measureCodec({ seconds: size.seconds, onProgress: (f) => ctx.progress.update(Math.round(f * 1000)) });
  },
  values: (c, put) =>
    putAll(put, 'codec', { encodeMBps: c.encodeMBps, decodeMBps: c.decodeMBps, peerEncodeMBps: c.peerEncodeMBps, peerDecodeMBps: c.peerDecodeMBps, ratio: c.ratio }),
  figures(c, row) {
    row('codec.encodeMBps / decodeMBps', `${c.encodeMBps.toFixed(0)} / ${c.decodeMBps.toFixed(0)}`, `kafkajs: ${c.peerEncodeMBps.toFixed(0)} / ${c.peerDecodeMBps.toFixed(0)}`);
    row('codec.ratio', c.ratio.toFixed(2), 'sluice / kafkajs, encode+decode');
  },
  targets: (v) => [atLeast(v, 'codec.ratio', 2)],
});
