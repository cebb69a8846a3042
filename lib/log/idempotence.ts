// Idempotent produce, as Kafka does it. A producer with an id and epoch numbers its
// batches per partition; the partition head remembers, per producer, its epoch and its
// last few batches (sequence range -> offsets). The head is updated in the same
// transaction as the append, so the check and the write cannot be separated:
//
//   epoch < known epoch                      -> PRODUCER_FENCED (a zombie instance)
//   same epoch, batch equals a recent one    -> duplicate: answer its original offsets
//   same epoch, firstSeq = lastSeq + 1       -> append
//   new producer or newer epoch, firstSeq 0  -> append (sequence starts over)
//   anything else                            -> OUT_OF_ORDER_SEQUENCE_NUMBER
//
// Sequences wrap at 2^31 like Kafka's. State of producers silent for longer than
// PRODUCER_EXPIRY_MS is dropped (Kafka's producer.id.expiration.ms), and at most
// MAX_PRODUCERS are kept per partition so the head item stays small.
import { OutOfOrderSequenceError, ProducerFencedError } from '../core/errors.ts';

export const PRODUCER_EXPIRY_MS = 86_400_000;
export const MAX_PRODUCERS = 1_000;
/** Recent batches remembered per producer, as Kafka's broker does. */
const RECENT_BATCHES = 5;
const SEQ_MODULUS = 2 ** 31;

export interface ProducerBatch {
  producerId: string;
  epoch: number;
  firstSeq: number;
  lastSeq: number;
}

interface RecentBatch {
  /** first and last sequence, base offset */
  f: number;
  l: number;
  o: number;
}

interface ProducerEntry {
  /** epoch */
  e: number;
  /** recent batches, oldest first */
  b: RecentBatch[];
  /** last write, epoch ms */
  t: number;
}

export type ProducerStates = Record<string, ProducerEntry>;

export type SequenceVerdict =
  | { kind: 'append'; states: ProducerStates }
  | { kind: 'duplicate'; baseOffset: number; lastOffset: number };

export const nextSeq = (seq: number, count: number): number => (seq + count) % SEQ_MODULUS;

export function parseProducerStates(json: string | undefined): ProducerStates {
  if (!json) return {};
  try {
    return JSON.parse(json) as ProducerStates;
  } catch {
    return {};
  }
}

/** Decide what an idempotent batch of `count` records means at a head whose next offset is `base`. */
export function checkSequence(
  states: ProducerStates,
  batch: ProducerBatch,
  base: number,
  count: number,
  now: number,
): SequenceVerdict {
  const known = states[batch.producerId];
  if (known && batch.epoch < known.e) {
    throw new ProducerFencedError(
      `Producer ${batch.producerId} epoch ${batch.epoch} is fenced by epoch ${known.e} on this partition.`,
    );
  }
  if (known && batch.epoch === known.e) {
    const dup = known.b.find((b) => b.f === batch.firstSeq && b.l === batch.lastSeq);
    if (dup) return { kind: 'duplicate', baseOffset: dup.o, lastOffset: dup.o + count - 1 };
    const last = known.b.at(-1);
    const expected = last ? nextSeq(last.l, 1) : 0;
    if (batch.firstSeq !== expected) {
      throw new OutOfOrderSequenceError(
        `Producer ${batch.producerId} sent sequence ${batch.firstSeq}; expected ${expected}.`,
        { expectedSequence: expected },
      );
    }
  } else if (batch.firstSeq !== 0) {
    throw new OutOfOrderSequenceError(
      `Producer ${batch.producerId} epoch ${batch.epoch} is new on this partition and must start at sequence 0, not ${batch.firstSeq}.`,
      { expectedSequence: 0 },
    );
  }

  const recent = known && known.e === batch.epoch ? known.b : [];
  const entry: ProducerEntry = {
    e: batch.epoch,
    b: [...recent, { f: batch.firstSeq, l: batch.lastSeq, o: base }].slice(-RECENT_BATCHES),
    t: now,
  };
  return { kind: 'append', states: prune({ ...states, [batch.producerId]: entry }, now) };
}

function prune(states: ProducerStates, now: number): ProducerStates {
  const live = Object.entries(states).filter(([, s]) => now - s.t <= PRODUCER_EXPIRY_MS);
  live.sort((a, b) => b[1].t - a[1].t);
  return Object.fromEntries(live.slice(0, MAX_PRODUCERS));
}
