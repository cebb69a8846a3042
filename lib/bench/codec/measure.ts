// Codec throughput against a reference: kafkajs's RecordBatch v2 encoder and decoder
// (kafkajs.ts). Both sides get the same records in the same process run, alternating in
// short slices so JIT warm-up, GC pressure and CPU frequency changes hit both equally.
// Our decode also verifies the CRC; kafkajs's does not.
import { decodeBatches, encodeBatch, type RecordInput } from '../../records/index.ts';
import { filler } from '../harness/workload.ts';
import { loadKafkajs, type KafkajsMessage, type Peer } from './kafkajs.ts';

export interface CodecBenchOptions {
  /** Records per batch (default 100). */
  records?: number;
  /** Value size per record in bytes (default 1024); each record also has a 16-byte key and one header. */
  recordBytes?: number;
  /** Total measuring time in seconds, warm-up included (default 8). */
  seconds?: number;
  onProgress?: (fraction: number) => void;
  /** The reference codec (default: kafkajs, loaded now; MissingDevDependency without it). */
  peer?: () => Promise<Peer>;
}

/** Throughputs in MB/s (10^6 bytes of encoded batch per second). */
export interface CodecBenchResult {
  encodeMBps: number;
  decodeMBps: number;
  peerEncodeMBps: number;
  peerDecodeMBps: number;
  /**
   * Ours / kafkajs, each side's encode and decode combined harmonically: the rate at which
   * it encodes and then decodes the same bytes.
   */
  ratio: number;
}

interface Slot {
  bytes: number;
  ms: number;
}

/** A few distinct batches so neither side benefits from one hot buffer. */
const BATCHES = 8;

/** The same records for both sides, each in its own codec's input shape. */
function workload(perBatch: number, recordBytes: number): { ours: RecordInput[][]; theirs: KafkajsMessage[][] } {
  const t0 = 1_700_000_000_000;
  const ours: RecordInput[][] = [];
  const theirs: KafkajsMessage[][] = [];
  for (let b = 0; b < BATCHES; b++) {
    const rs: RecordInput[] = [];
    const ms: KafkajsMessage[] = [];
    for (let i = 0; i < perBatch; i++) {
      const key = filler(16, b * 7919 + i + 1);
      const value = filler(recordBytes, b * 104729 + i + 1);
      const trace = filler(16, i + 31);
      rs.push({ key, value, headers: [{ key: 'trace-id', value: trace }], timestamp: t0 + i });
      ms.push({ key, value, headers: { 'trace-id': trace }, timestamp: t0 + i });
    }
    ours.push(rs);
    theirs.push(ms);
  }
  return { ours, theirs };
}

export async function runCodecBench(opts: CodecBenchOptions = {}): Promise<CodecBenchResult> {
  const seconds = opts.seconds ?? 8;
  const peer = await (opts.peer ?? loadKafkajs)();
  const { ours, theirs } = workload(opts.records ?? 100, opts.recordBytes ?? 1024);
  const ourBatches = ours.map((records) => encodeBatch({ records }));
  const peerBatches: Buffer[] = [];
  for (const ms of theirs) peerBatches.push(await peer.encode(ms));

  let sink = 0;
  const ops: Array<[Slot, (i: number) => number | Promise<number>]> = [
    [{ bytes: 0, ms: 0 }, (i) => encodeBatch({ records: ours[i % BATCHES]! }).length],
    [
      { bytes: 0, ms: 0 },
      (i) => {
        const buf = ourBatches[i % BATCHES]!;
        sink += decodeBatches(buf)[0]!.records.length;
        return buf.length;
      },
    ],
    [{ bytes: 0, ms: 0 }, async (i) => (await peer.encode(theirs[i % BATCHES]!)).length],
    [
      { bytes: 0, ms: 0 },
      async (i) => {
        const buf = peerBatches[i % BATCHES]!;
        sink += ((await peer.decode(buf)) as { records: unknown[] }).records.length;
        return buf.length;
      },
    ],
  ];

  const run = async (slot: Slot, op: (i: number) => number | Promise<number>, ms: number, record: boolean) => {
    const start = performance.now();
    let now = start;
    let total = 0;
    for (let i = 0; now - start < ms; i++) {
      total += await op(i);
      now = performance.now();
    }
    if (record) {
      slot.bytes += total;
      slot.ms += now - start;
    }
  };

  // 20% warm-up, then rounds that alternate between the four operations.
  const budgetMs = seconds * 1000;
  const warmMs = (budgetMs * 0.2) / ops.length;
  const ROUNDS = 10;
  const sliceMs = (budgetMs * 0.8) / ops.length / ROUNDS;
  const steps = ops.length * (ROUNDS + 1);
  let step = 0;
  for (const [slot, op] of ops) {
    await run(slot, op, warmMs, false);
    opts.onProgress?.(++step / steps);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [slot, op] of ops) {
      await run(slot, op, sliceMs, true);
      opts.onProgress?.(++step / steps);
    }
  }
  if (sink < 0) throw new Error('unreachable'); // keeps the decode results observable

  const mbps = (s: Slot) => s.bytes / 1e6 / (s.ms / 1000);
  const [enc, dec, peerEnc, peerDec] = ops.map(([slot]) => mbps(slot)) as [number, number, number, number];
  const harmonic = (a: number, b: number) => 2 / (1 / a + 1 / b);
  return {
    encodeMBps: enc,
    decodeMBps: dec,
    peerEncodeMBps: peerEnc,
    peerDecodeMBps: peerDec,
    ratio: harmonic(enc, dec) / harmonic(peerEnc, peerDec),
  };
}
