// One fetch over many partitions (POST /v1/fetch): a consumer's whole assignment in one
// request, answered as soon as any partition has data, like Kafka's Fetch with
// fetch.min.bytes = 1, or when waitMs runs out. An idle consumer so keeps one waiting
// Lambda whatever the number of its partitions, not one per partition.
//
//   1. Topic names are resolved afresh (BatchGetItem on topics) and every head is read
//      consistently (BatchGetItem on partitions, 100 keys a call). A partition that does
//      not exist or whose offset is outside [logStartOffset, highWatermark] gets its own
//      error (UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE with the bounds); the others
//      are still served, and an error ends the wait at once, as in Kafka.
//   2. Nothing to read and waitMs > 0: wait until a head moves past its offset. Commits
//      made in this process wake the wait at once (HeadWatch.listen); commits elsewhere
//      are noticed by one eventually consistent BatchGetItem of all the waited heads per
//      poll round (25 ms, doubling to 250 ms): half the read units of consistent reads,
//      and safe because the read that serves (step 3) is consistent again.
//   3. The partitions with data are read in parallel, each through the single-partition
//      read path (lib/log/fetch.ts: its own consistent head read, index query, ranged S3
//      reads), each with an equal share of maxRecords and maxBytes, so a busy partition
//      cannot starve the others of one answer. Partitions without data answer their
//      position (nextOffset = the asked offset) and bounds.
import { OffsetOutOfRangeError, SluiceError, UnknownTopicOrPartitionError } from '../core/errors.ts';
import type { StorageClients } from '../storage/clients.ts';
import { getHeads } from '../storage/heads.ts';
import { getTopics, tpKey, type PartitionHead, type TopicRecord } from '../storage/metadata.ts';
import { fetchBatches, fetchRecords, type FetchedRecord } from './fetch.ts';
import type { HeadWatch } from './watch.ts';

export interface PartitionRequest {
  topic: string;
  partition: number;
  offset: number;
}

export interface MultiFetchOptions {
  /** Records of the whole answer (shared by the partitions with data). */
  maxRecords: number;
  /** Bytes of the whole answer (shared likewise; a partition always gets its first batch). */
  maxBytes: number;
  waitMs: number;
  /** Decoded records, or whole stored batches with absolute base offsets. */
  form: 'records' | 'batches';
}

export interface PartitionAnswer {
  topic: string;
  partition: number;
  /** Where to continue: the asked offset when there was nothing (or an error). */
  nextOffset: number;
  /** -1 when unknown (the partition failed). */
  highWatermark: number;
  logStartOffset: number;
  records?: FetchedRecord[];
  batches?: Buffer;
  error?: SluiceError;
}

const MIN_POLL_MS = 25;
const MAX_POLL_MS = 250;

interface Target {
  req: PartitionRequest;
  topic: TopicRecord;
  head: PartitionHead;
}

export async function multiFetch(
  clients: StorageClients,
  watch: HeadWatch,
  requests: readonly PartitionRequest[],
  opts: MultiFetchOptions,
): Promise<PartitionAnswer[]> {
  const answers = new Map<PartitionRequest, PartitionAnswer>();
  const fail = (req: PartitionRequest, error: SluiceError, head?: PartitionHead) =>
    answers.set(req, { ...position(req, head), error });

  const topics = await getTopics(clients, [...new Set(requests.map((r) => r.topic))]);
  const known: { req: PartitionRequest; topic: TopicRecord }[] = [];
  for (const req of requests) {
    const topic = topics.get(req.topic);
    if (!topic || req.partition >= topic.partitions) {
      fail(req, new UnknownTopicOrPartitionError(topic ? `Partition ${req.partition} of topic '${req.topic}' does not exist (partitions: ${topic.partitions}).` : `Topic '${req.topic}' does not exist.`));
    } else known.push({ req, topic });
  }
  const heads = await getHeads(clients, known.map((k) => ({ topicId: k.topic.topicId, partition: k.req.partition })), true);
  let waiting: Target[] = [];
  const ready: Target[] = [];
  for (const { req, topic } of known) {
    const head = heads.get(tpKey(topic.topicId, req.partition))!;
    if (req.offset < head.logStartOffset || req.offset > head.nextOffset) fail(req, outOfRange(req, head), head);
    else (req.offset < head.nextOffset ? ready : waiting).push({ req, topic, head });
  }

  if (ready.length === 0 && answers.size === 0 && waiting.length > 0 && opts.waitMs > 0) {
    const moved = await waitForAny(clients, watch, waiting, opts.waitMs);
    ready.push(...waiting.filter((t) => moved.has(t)));
    waiting = waiting.filter((t) => !moved.has(t));
  }
  for (const t of waiting) answers.set(t.req, { ...position(t.req, t.head) });

  const records = Math.max(1, Math.floor(opts.maxRecords / Math.max(1, ready.length)));
  const bytes = Math.max(1, Math.floor(opts.maxBytes / Math.max(1, ready.length)));
  await Promise.all(
    ready.map(async ({ req, topic, head }) => {
      const read = { offset: req.offset, maxRecords: records, maxBytes: bytes, waitMs: 0 };
      try {
        const got = opts.form === 'records'
          ? await fetchRecords(clients, watch, topic, req.partition, read)
          : await fetchBatches(clients, watch, topic, req.partition, read);
        answers.set(req, { topic: req.topic, partition: req.partition, ...got });
      } catch (err) {
        // Retention may pass the offset between the head read and the read itself.
        if (err instanceof OffsetOutOfRangeError) fail(req, err, head);
        else throw err;
      }
    }),
  );
  return requests.map((r) => answers.get(r)!);
}

function position(req: PartitionRequest, head: PartitionHead | undefined): PartitionAnswer {
  return {
    topic: req.topic,
    partition: req.partition,
    nextOffset: req.offset,
    highWatermark: head ? head.nextOffset : -1,
    logStartOffset: head ? head.logStartOffset : -1,
  };
}

function outOfRange(req: PartitionRequest, head: PartitionHead): OffsetOutOfRangeError {
  return new OffsetOutOfRangeError(
    `Offset ${req.offset} is outside the log [${head.logStartOffset}, ${head.nextOffset}] of partition ${req.partition} of '${req.topic}'.`,
    { logStartOffset: head.logStartOffset, highWatermark: head.nextOffset },
  );
}

/**
 * The targets whose head moved past their offset, once one did or `waitMs` ran out
 * (then empty). Each target's `head` is updated to the last one read.
 */
async function waitForAny(clients: StorageClients, watch: HeadWatch, targets: Target[], waitMs: number): Promise<Set<Target>> {
  const deadline = Date.now() + waitMs;
  let wake: (() => void) | undefined;
  let woken = false;
  const onCommit = () => {
    woken = true;
    wake?.();
  };
  const stops = targets.map((t) => watch.listen(t.topic.topicId, t.req.partition, onCommit));
  try {
    for (let interval = MIN_POLL_MS; ; interval = Math.min(MAX_POLL_MS, interval * 2)) {
      const left = deadline - Date.now();
      if (left <= 0) return new Set();
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(interval, left));
          function done() {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
        });
      }
      woken = false;
      const heads = await getHeads(clients, targets.map((t) => ({ topicId: t.topic.topicId, partition: t.req.partition })), false);
      const moved = new Set<Target>();
      for (const t of targets) {
        const head = heads.get(tpKey(t.topic.topicId, t.req.partition))!;
        if (head.nextOffset > t.req.offset) {
          t.head = head;
          moved.add(t);
        }
      }
      if (moved.size > 0) return moved;
    }
  } finally {
    for (const stop of stops) stop();
  }
}
