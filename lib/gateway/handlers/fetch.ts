// Fetch: stored batches as they are, base offsets made absolute by the log, never
// re-encoded. The first batch may start before the fetch offset (clients skip those
// records, as with a Kafka broker); only batches wholly below the high watermark are sent.
//
// Waiting: a pass reads every partition without waiting; if it found fewer than
// min.bytes and max.wait.ms has not passed, the fetch waits for any of the partitions
// it found empty to grow (the log's long poll: woken at once by appends on this node,
// by polling the head otherwise) and reads again. Sluice has no uncommitted records in
// the log: a transaction's batches become visible only by its one atomic commit, and an
// aborted one never reaches the log (handlers/transactions.ts). So read_committed and
// read_uncommitted see the same data, the last stable offset is the high watermark and
// the list of aborted transactions is always empty; transactional batches are served
// with their transactional attribute, as written, and no control batches exist. Fetch sessions (KIP-227) are not kept: every response
// has session id 0, which tells clients to send full fetch requests.
import { isSluiceError, OffsetOutOfRangeError } from '../../core/errors.ts';
import { E, errorCodeOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, RequestContext } from '../server/context.ts';

interface Wanted {
  topic: string | undefined;
  topicId: string;
  partition: number;
  offset: number;
  maxBytes: number;
}

interface Read {
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  records: Buffer;
}

const EMPTY = Buffer.alloc(0);

async function readOne(ctx: RequestContext, w: Wanted, waitMs: number, signal?: AbortSignal): Promise<Read> {
  if (w.topic === undefined) return { errorCode: E.UNKNOWN_TOPIC_ID, highWatermark: -1, logStartOffset: -1, records: EMPTY };
  try {
    const r = await ctx.services.log.fetchBatches(w.topic, w.partition, {
      offset: w.offset,
      maxBytes: Math.max(1, w.maxBytes),
      waitMs,
      ...(signal ? { signal } : {}),
    });
    return { errorCode: E.NONE, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, records: r.batches };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    const range = err instanceof OffsetOutOfRangeError ? err.details : {};
    return {
      errorCode: errorCodeOf(err),
      highWatermark: typeof range.highWatermark === 'number' ? range.highWatermark : -1,
      logStartOffset: typeof range.logStartOffset === 'number' ? range.logStartOffset : -1,
      records: EMPTY,
    };
  }
}

/** Keeps whole partitions' data within the response's max.bytes (the first non-empty one always). */
function trim(reads: Read[], maxBytes: number): number {
  let total = 0;
  for (const r of reads) {
    if (r.records.length === 0) continue;
    if (total > 0 && total + r.records.length > maxBytes) r.records = EMPTY;
    else total += r.records.length;
  }
  return total;
}

/** Waits until one of the empty, healthy partitions grows, the time is up or the connection closes. */
async function waitForAny(ctx: RequestContext, wanted: Wanted[], reads: Read[], ms: number): Promise<void> {
  const idle = wanted.filter((_, i) => reads[i]!.errorCode === E.NONE && reads[i]!.records.length === 0);
  const stop = new AbortController();
  const onClose = () => stop.abort();
  ctx.conn.signal.addEventListener('abort', onClose, { once: true });
  try {
    await Promise.race(idle.map((w) => readOne(ctx, { ...w, maxBytes: 1 }, ms, stop.signal)));
  } finally {
    stop.abort();
    ctx.conn.signal.removeEventListener('abort', onClose);
  }
}

async function resolveTopics(ctx: RequestContext, req: Message): Promise<Wanted[]> {
  const byId = ctx.apiVersion >= 13;
  const wanted: Wanted[] = [];
  for (const t of req.topics as Message[]) {
    const name = byId ? (await ctx.services.topics.get(t.topicId))?.name : (t.topic as string);
    for (const p of t.partitions as Message[]) {
      wanted.push({ topic: name, topicId: t.topicId, partition: p.partition, offset: p.fetchOffset, maxBytes: p.partitionMaxBytes });
    }
  }
  return wanted;
}

function respond(req: Message, wanted: Wanted[], reads: Read[]): Message {
  const committed = req.isolationLevel === 1;
  const responses: Message[] = [];
  let i = 0;
  for (const t of req.topics as Message[]) {
    responses.push({
      topic: t.topic,
      topicId: t.topicId,
      partitions: (t.partitions as Message[]).map(() => {
        const w = wanted[i]!;
        const r = reads[i++]!;
        return {
          partitionIndex: w.partition,
          errorCode: r.errorCode,
          highWatermark: r.highWatermark,
          lastStableOffset: r.highWatermark,
          logStartOffset: r.logStartOffset,
          abortedTransactions: committed ? [] : null,
          preferredReadReplica: -1,
          records: r.records,
        };
      }),
    });
  }
  return { throttleTimeMs: 0, errorCode: E.NONE, sessionId: 0, responses };
}

export const handleFetch: Handler = async (ctx, req) => {
  if (req.sessionId !== 0) {
    return { throttleTimeMs: 0, errorCode: E.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
  }
  const deadline = ctx.services.now() + Math.max(0, req.maxWaitMs as number);
  const wanted = await resolveTopics(ctx, req);
  for (;;) {
    const reads = await Promise.all(wanted.map((w) => readOne(ctx, w, 0)));
    const total = trim(reads, req.maxBytes as number);
    const left = deadline - ctx.services.now();
    const failed = reads.some((r) => r.errorCode !== E.NONE);
    // Every partition already returned data: waiting could not add more to this response.
    // A fetch of no partitions is answered at once, as a Kafka broker does.
    const full = reads.every((r) => r.records.length > 0);
    if (total >= Math.max(1, req.minBytes as number) || failed || full || left <= 0 || ctx.conn.signal.aborted) {
      return respond(req, wanted, reads);
    }
    await waitForAny(ctx, wanted, reads, left);
  }
};
