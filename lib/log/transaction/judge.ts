// Idempotent producers' batches in a many-partition commit (the Kafka gateway's flush:
// one object, one TransactWriteItems for many partitions). Each attempt judges them
// against the heads it read and the producers' states read after them, as the
// single-partition conditional path does (lib/log/idempotence.ts,
// lib/storage/conditional.ts, lib/storage/producerStates.ts), and writes each changed
// producer state in the same transaction as the head update that moves nextOffset:
//
//   per partition, segment by segment in their order, the producer state threaded
//   through (so several batches of one producer in one flush are judged in order):
//     plain segment                  -> committed at the next offsets
//     duplicate of a recent batch    -> answered with that batch's offsets, not written
//     gap, fenced or unknown epoch   -> refused with its error (that segment only)
//     anything else                  -> committed; the producer's state advances
//
// The head update is conditional on the nextOffset read, and every write of a producer
// state moves its head's nextOffset, so the state judged is the state replaced. A
// resend of the same batch after an ambiguous outcome finds itself in that state and is
// answered as a duplicate, never written twice. A partition left with no segment to
// commit is not written at all; the bytes of its refused or duplicate batches stay
// unreferenced in the shared object (the sweep goes by index entries, sharedObjects.ts).
//
// Producers the heads cannot vouch for are confirmed registered once per commit, before
// judging (in parallel), so judging the same heads again gives the same attempt: `key`
// names what was judged, and equal heads with an equal key give a byte-identical request.
import { createHash } from 'node:crypto';
import { isSluiceError } from '../../core/errors.ts';
import type { StorageClients } from '../../storage/clients.ts';
import type { PartitionHead } from '../../storage/metadata.ts';
import { confirmProducer } from '../../storage/producers.ts';
import type { ProducerStateWrite } from '../../storage/producerStates.ts';
import { checkSequence, needsConfirmation, readStates, stateWrites, type ProducerBatch, type ProducerStates } from '../idempotence.ts';
import type { SegmentResult, TxnPartition, TxnSegment } from './types.ts';

/** The outcome of confirming one producer id at one epoch: when, or the error to answer. */
type Confirmation = { at: number } | { error: unknown };

/** Producers confirmed during one commit, by `id/epoch`; a domain answer is kept, a failed call is not. */
export type Confirmations = Map<string, Confirmation>;

export interface Judgement {
  /** The partitions with segments to commit, each with only those, in input order. */
  partitions: TxnPartition[];
  /** For each of `partitions`: its index in the input, its head, the producer states it changed. */
  at: number[];
  heads: PartitionHead[];
  producers: ProducerStateWrite[][];
  /** Per input partition, per segment: its offsets if the attempt commits, or its answer. */
  segments: SegmentResult[][];
  /** Names what was judged (with the heads' state, it identifies the attempt). */
  key: string;
}

const confirmKey = (b: ProducerBatch): string => `${b.producerId}/${b.epoch}`;

/** Judges every segment of `partitions` at `heads`; without idempotent segments, everything is committed as given. */
export async function judge(
  clients: StorageClients,
  partitions: readonly TxnPartition[],
  heads: readonly PartitionHead[],
  now: number,
  confirmations: Confirmations,
): Promise<Judgement> {
  // Only the producers with segments in a partition are read (after the heads).
  const states = await readStates(
    clients,
    partitions.map((p, i) => ({
      topicId: p.topic.topicId,
      partition: p.partition,
      producerIds: [...new Set(p.segments.flatMap((s) => (s.producer ? [s.producer.producerId] : [])))],
      legacyJson: heads[i]!.producersJson,
    })),
    now,
  );
  const idempotent = partitions.some((p) => p.segments.some((s) => s.producer));
  const failed = idempotent ? await confirmAll(clients, partitions, states, now, confirmations) : new Map<string, unknown>();
  const out: Judgement = { partitions: [], at: [], heads: [], producers: [], segments: [], key: '' };
  partitions.forEach((p, i) => {
    const judged = judgePartition(p, heads[i]!, states[i]!, now, (b) => confirmations.get(confirmKey(b)) ?? (failed.has(confirmKey(b)) ? { error: failed.get(confirmKey(b)) } : undefined));
    out.segments.push(judged.results);
    if (judged.kept.length === 0) return;
    out.partitions.push({ ...p, segments: judged.kept });
    out.at.push(i);
    out.heads.push(heads[i]!);
    out.producers.push(judged.producers);
  });
  if (idempotent) {
    const kinds = out.segments.map((list) => list.map((r) => ('error' in r ? 'r' : r.duplicate ? 'd' : 'c')).join(''));
    out.key = createHash('sha256').update(JSON.stringify([kinds, out.producers])).digest('base64url');
  }
  return out;
}

/**
 * Confirms, in parallel, the producers some segment needs confirmed at the heads read
 * (and not yet in this commit). Answers the calls that failed (for this attempt only).
 */
async function confirmAll(
  clients: StorageClients,
  partitions: readonly TxnPartition[],
  states: readonly ProducerStates[],
  now: number,
  confirmations: Confirmations,
): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  const wanted = new Map<string, ProducerBatch>();
  partitions.forEach((p, i) => {
    for (const s of p.segments) {
      if (s.producer && !confirmations.has(confirmKey(s.producer)) && needsConfirmation(states[i]!, s.producer, now)) wanted.set(confirmKey(s.producer), s.producer);
    }
  });
  await Promise.all(
    [...wanted].map(async ([key, b]) => {
      try {
        await confirmProducer(clients, b.producerId, b.epoch, now);
        confirmations.set(key, { at: now });
      } catch (error) {
        // A domain answer (unknown, fenced) is final; a failed call is asked again next attempt.
        if (isSluiceError(error) && !error.retriable) confirmations.set(key, { error });
        else failed.set(key, error);
      }
    }),
  );
  return failed;
}

function judgePartition(p: TxnPartition, head: PartitionHead, read: ProducerStates, now: number, confirmation: (b: ProducerBatch) => Confirmation | undefined) {
  let states = read;
  let next = head.nextOffset;
  const kept: TxnSegment[] = [];
  const results: SegmentResult[] = [];
  for (const s of p.segments) {
    try {
      if (s.producer) {
        // Confirmed when the heads read needed it (confirmAll): the states threaded here
        // only ever need less.
        const confirmed = confirmation(s.producer);
        if (confirmed && 'error' in confirmed) throw confirmed.error;
        const verdict = checkSequence(states, s.producer, next, s.recordCount, now, confirmed?.at);
        if (verdict.kind === 'duplicate') {
          results.push({ baseOffset: verdict.baseOffset, lastOffset: verdict.lastOffset, duplicate: true });
          continue;
        }
        states = verdict.states;
      }
      results.push({ baseOffset: next, lastOffset: next + s.recordCount - 1 });
      kept.push(s);
      next += s.recordCount;
    } catch (error) {
      results.push({ error });
    }
  }
  return { kept, results, producers: stateWrites(read, states) };
}
