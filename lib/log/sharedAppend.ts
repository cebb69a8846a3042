// A produce request over several partitions as ONE object, committed without a
// transaction: each partition's batches are a byte range of the object, and each
// partition commits its range with its own append (lib/storage/commit.ts step B: one
// UpdateItem of its head, no read before it), all in parallel. So producers writing the
// same partitions concurrently never conflict or redo anything, a partition costs one
// single-item write instead of a transaction's two units and a head read, and a
// partition that fails fails alone (its records answer with the error).
//
// No partition may delete a shared object on its own, so its reference record
// (transaction/sharedObjects.ts) is written before any partition can reference it:
//
//   1. PutObject segments/~shared/{uuid}           topics confirmed meanwhile, and
//   2. Put record  pending = the partitions, each  (nothing references the object yet)
//      with its append's writer and sequence
//   3. per partition: the append of its range      in parallel, once 1 and 2 are done
//   4. Update record  refs = each entry's lastOffset, pending = the partitions whose
//      append failed (a failure after retries may still have landed), else removed
//
// A crash before 3 leaves an object without a record (an orphan, which the sweep
// deletes) or a pending record that nothing references; a crash after 3, or a step 4
// that failed, leaves a pending record with references. The sweep settles a pending
// record once no append of it can land any more, from what the heads say of them. Either
// way the object outlives every entry that references it.
import { inParallel } from '../core/parallel.ts';
import type { StorageClients } from '../storage/clients.ts';
import { claimAppend, commitClaimed, releaseClaim, type CommitOptions } from '../storage/commit.ts';
import { tpKey } from '../storage/metadata.ts';
import { newSharedSegmentKey } from '../storage/segments.ts';
import type { AppendResult } from './append.ts';
import { uploadParts, type EncodedPart } from './transaction/prepare.ts';
import { completeRefs, putPendingRefs, type PendingAppend } from './transaction/sharedObjects.ts';

/** Appends of one request in flight at once (a request may name many partitions). */
const APPENDS_IN_FLIGHT = 32;

/**
 * Parts of distinct partitions (at least two) as one object, each committed by its own
 * append: every part's outcome, in order. Throws only when nothing was committed (the
 * upload failed, a topic changed, the record could not be written).
 */
export async function appendShared(
  clients: StorageClients,
  parts: readonly EncodedPart[],
  opts: CommitOptions & { now: number },
): Promise<PromiseSettledResult<AppendResult>[]> {
  const objectKey = newSharedSegmentKey();
  const appends: PendingAppend[] = parts.map((p) => ({
    tp: tpKey(p.topic.topicId, p.partition),
    claim: claimAppend(p.topic.topicId, p.partition),
    recordCount: p.segment.recordCount,
  }));
  // Both settle before anything is answered, so nothing of a failed request is still
  // running when it fails (a topic that changed is the upload's answer, retried by Log).
  const [upload, record] = await Promise.allSettled([
    uploadParts(clients, parts, { readHeads: false, sharedObjectKey: objectKey }),
    putPendingRefs(clients, objectKey, appends, opts.now),
  ]);
  if (upload.status === 'rejected' || record.status === 'rejected') {
    for (const a of appends) releaseClaim(a.claim);
    throw upload.status === 'rejected' ? upload.reason : (record as PromiseRejectedResult).reason;
  }
  const uploaded = upload.value;
  const work = uploaded.partitions.map((p, i) => ({ ...p, claim: appends[i]!.claim }));
  const settled = await inParallel(work, APPENDS_IN_FLIGHT, async ({ topic, partition, segments, claim }): Promise<PromiseSettledResult<AppendResult>> => {
    const seg = segments[0]!;
    try {
      const committed = await commitClaimed(
        clients,
        { topicName: topic.name, topicId: topic.topicId, partition, objectKey, byteStart: seg.byteStart, byteLength: seg.byteLength, recordCount: seg.recordCount, firstTimestamp: seg.firstTimestamp, maxTimestamp: seg.maxTimestamp },
        claim,
        opts,
      );
      return { status: 'fulfilled', value: { partition, ...committed } };
    } catch (reason) {
      return { status: 'rejected', reason };
    }
  });
  const refs = new Map<string, number>();
  const failed: PendingAppend[] = [];
  settled.forEach((s, i) => (s.status === 'fulfilled' ? refs.set(appends[i]!.tp, s.value.lastOffset) : failed.push(appends[i]!)));
  // The records are committed whatever becomes of this: a record left pending is the sweep's.
  await completeRefs(clients, objectKey, refs, failed).catch(() => undefined);
  return settled;
}
