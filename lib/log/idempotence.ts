// Idempotent produce, as Kafka does it. A producer with an id and epoch numbers its
// batches per partition; the partition remembers, per producer, its epoch and its last
// few batches (sequence range -> offsets), in an item of its own (lib/storage/
// producerStates.ts) written in the same transaction as the append that moves the head,
// so the check and the write cannot be separated:
//
//   epoch < known epoch                      -> PRODUCER_FENCED (a zombie instance)
//   same epoch, batch equals a recent one    -> duplicate: answer its original offsets
//   same epoch, firstSeq = lastSeq + 1       -> append
//   new producer or newer epoch, firstSeq 0  -> append (sequence starts over)
//   anything else                            -> OUT_OF_ORDER_SEQUENCE_NUMBER
//
// Sequences wrap at 2^31 like Kafka's. State of producers silent for longer than
// PRODUCER_EXPIRY_MS is forgotten (Kafka's producer.id.expiration.ms; the items expire
// by TTL), and the head's size does not depend on how many producers write to it.
//
// Only producer ids POST /v1/producers handed out are taken (lib/storage/producers.ts).
// That is confirmed against the producers table when a partition meets a producer (or
// an epoch of it) it has no state for, and again once CONFIRM_INTERVAL_MS has passed;
// in between, the partition's own state vouches for it, so an append costs no extra read.
import { OutOfOrderSequenceError, ProducerFencedError } from '../core/errors.ts';
import type { StorageClients } from '../storage/clients.ts';
import { readProducerStates, stateKey, type ProducerStateWrite } from '../storage/producerStates.ts';

export const PRODUCER_EXPIRY_MS = 86_400_000;
/** How long a head trusts a producer confirmation before asking the table again. */
export const CONFIRM_INTERVAL_MS = 86_400_000;
/** States one judgement keeps at most (it loads only the producers it judges). */
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
  /** when the producer and this epoch were last confirmed registered, epoch ms */
  v?: number;
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

function parseEntry(json: string): ProducerEntry | undefined {
  try {
    return JSON.parse(json) as ProducerEntry;
  } catch {
    return undefined;
  }
}

/** A partition whose producers' states are wanted, with its head's older `producers` attribute. */
export interface StatesWanted {
  topicId: string;
  partition: number;
  producerIds: readonly string[];
  legacyJson?: string | undefined;
}

/**
 * The states wanted, per partition, read in one batch after the heads they go with
 * (lib/storage/producerStates.ts says why): each producer's own item or, for a producer
 * without one, the head's older attribute. A state silent for longer than
 * PRODUCER_EXPIRY_MS is not taken (its item may outlive that until its TTL runs).
 */
export async function readStates(clients: StorageClients, wanted: readonly StatesWanted[], now: number): Promise<ProducerStates[]> {
  const keyOf = (w: StatesWanted, producerId: string) => ({ topicId: w.topicId, partition: w.partition, producerId });
  const stored = await readProducerStates(clients, wanted.flatMap((w) => w.producerIds.map((id) => keyOf(w, id))));
  return wanted.map((w) => {
    const legacy = w.legacyJson && w.producerIds.length > 0 ? parseProducerStates(w.legacyJson) : {};
    const out: ProducerStates = {};
    for (const id of w.producerIds) {
      const raw = stored.get(stateKey(keyOf(w, id)));
      const entry = raw !== undefined ? parseEntry(raw) : legacy[id];
      if (entry && now - entry.t <= PRODUCER_EXPIRY_MS) out[id] = entry;
    }
    return out;
  });
}

/** The live producers of a head's older `producers` attribute, as the items that would hold them. */
export function liveLegacyStates(json: string, now: number): ProducerStateWrite[] {
  const live = Object.entries(parseProducerStates(json)).filter(([, e]) => now - e.t <= PRODUCER_EXPIRY_MS);
  return stateWrites({}, Object.fromEntries(live));
}

/** The states `after` changed from `before` (checkSequence makes a new entry only then), to store. */
export function stateWrites(before: ProducerStates, after: ProducerStates): ProducerStateWrite[] {
  return Object.entries(after)
    .filter(([id, e]) => before[id] !== e)
    .map(([producerId, e]) => ({ producerId, state: JSON.stringify(e), expiresAt: e.t + PRODUCER_EXPIRY_MS }));
}

/**
 * Whether the batch's producer must be confirmed registered before this head may take
 * it: the head has no state for the producer at this epoch (an older epoch is fenced
 * anyway), or its confirmation is older than CONFIRM_INTERVAL_MS.
 */
export function needsConfirmation(states: ProducerStates, batch: ProducerBatch, now: number): boolean {
  const known = states[batch.producerId];
  if (!known || batch.epoch > known.e) return true;
  return batch.epoch === known.e && now - (known.v ?? 0) > CONFIRM_INTERVAL_MS;
}

/**
 * Decide what an idempotent batch of `count` records means at a head whose next offset
 * is `base`. `confirmedAt` is when the producer was confirmed for this batch, if it was.
 */
export function checkSequence(
  states: ProducerStates,
  batch: ProducerBatch,
  base: number,
  count: number,
  now: number,
  confirmedAt?: number,
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

  const same = known && known.e === batch.epoch;
  const confirmed = confirmedAt ?? (same ? known.v : undefined);
  const entry: ProducerEntry = {
    e: batch.epoch,
    b: [...(same ? known.b : []), { f: batch.firstSeq, l: batch.lastSeq, o: base }].slice(-RECENT_BATCHES),
    t: now,
    ...(confirmed !== undefined ? { v: confirmed } : {}),
  };
  return { kind: 'append', states: prune({ ...states, [batch.producerId]: entry }, now) };
}

function prune(states: ProducerStates, now: number): ProducerStates {
  const live = Object.entries(states).filter(([, s]) => now - s.t <= PRODUCER_EXPIRY_MS);
  live.sort((a, b) => b[1].t - a[1].t);
  return Object.fromEntries(live.slice(0, MAX_PRODUCERS));
}
