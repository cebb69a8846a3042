// Sink connectors as subscriptions of another kind: the dispatcher (lib/subscriptions)
// drives them from their cursors like any subscription, per topic-partition in offset
// order under a lease, and moves a cursor only after the batch was delivered. Delivered
// here means runSinkBatch answered `delivered`: the sink's put and flush succeeded and
// the batch's dead letters were appended to the dead-letter topic. So delivery is
// at-least-once: a crash after put and before the cursor moved delivers the batch again
// (the S3 sink then rewrites the same objects; the file sink appends the lines again).
//
//   outcome    what the dispatcher is told            then
//   delivered  ok (after the dead letters appended)    the cursor advances
//   retry      a retriable failure                      backoff, the same batch again
//   failed     a failure, and the task marked FAILED   stopped: the task's partitions wait
//                                                      for a restart (the cursor stays)
//
// Each connector's cursors are those of a subscription whose id is the connector's
// incarnation (`connector.{connectorId}`), under every topic it reads (topics, or the
// topics matching topics.regex); a new cursor starts at the log start (Kafka Connect's
// consumers read from the earliest offset). With tasks.max > 1 the connector's
// topic-partitions are dealt over its tasks (tasks/configs.ts sinkTaskOf): each partition's
// batches go to one task, started with its own settings, and a failure is that task's.
// Only RUNNING connectors are bound, and a FAILED task's partitions are left where their
// cursors are (stoppedPartitions) until a restart, while the other tasks go on, as in
// Kafka Connect; the list is read again at most every `cacheMs`.
import type { KafkaEventRecord, SluiceKafkaEvent, SubscriptionRecord } from '../../subscriptions/model.ts';
import type { SubscriptionKind } from '../../subscriptions/kinds.ts';
import type { DeliveryResult } from '../../subscriptions/targets.ts';
import { readEvery } from '../../core/time.ts';
import { listTopicRecords, type TopicRecord } from '../../storage/metadata.ts';
import { sinkSubscriptionId, sinkTopics } from '../offsets.ts';
import type { LogRecord } from '../errors/deadLetter.ts';
import type { DeadLetter } from '../errors/deadLetter.ts';
import { sinkTaskOf } from '../tasks/configs.ts';
import { runSinkBatch } from '../tasks/sink.ts';
import { listConnectorRecords, putTaskStatus, readFailedTasks, type ConnectorRecord } from '../store.ts';
import { appendRecords } from './append.ts';
import { runsHere, type ConnectRuntimeDeps, type TaskCache } from './tasks.ts';

/** Records per batch unless consumer.override.max.poll.records says otherwise (Kafka's default). */
export const DEFAULT_SINK_BATCH = 500;
/** Retries before the dispatcher would give a batch up: a sink retries until restarted or fixed. */
const SINK_MAX_RETRIES = 10_000;


export interface SinkKindOptions {
  /** How long the list of running sinks is reused. Default 1000 ms. */
  cacheMs?: number;
  now?: () => number;
}

export function connectorSinkKind(deps: ConnectRuntimeDeps, tasks: TaskCache, opts: SinkKindOptions = {}): SubscriptionKind & { refresh(): void } {
  const now = opts.now ?? Date.now;
  const running = readEvery(opts.cacheMs ?? 1_000, now, () => runningSinkBindings(deps, tasks));
  const bound = () => running.get();
  const bindingOf = async (name: string) => (await bound()).find((b) => b.connector.name === name);

  return {
    targetType: 'connector',
    refresh: () => running.reset(),
    bindings: async (topicId) => (await bound()).filter((b) => b.record.topicId === topicId).map((b) => b.record),
    bound: async () => (await bound()).map(({ record, partitions }) => ({ record, partitions })),
    deliver: async (target, event) => {
      if (target.type !== 'connector') return failure('NOT_A_CONNECTOR', 'not a connector target');
      try {
        const binding = await bindingOf(target.connector);
        if (!binding) return failure('CONNECTOR_NOT_RUNNING', `Connector ${target.connector} is not running`);
        const { connector } = binding;
        const records = logRecords(event);
        const first = records[0];
        const task = first ? sinkTaskOf(binding.topics, binding.tasks, first.topic, first.partition) : 0;
        // A batch already under way when its task failed: not run again until a restart.
        if (binding.failedTasks.has(task)) return stopped(`Task ${task} of connector ${connector.name} failed`);
        const result = await runSinkBatch(await tasks.sink(connector, task), records);
        if (result.outcome === 'delivered') {
          await appendDeadLetters(deps, result.deadLetters);
          return { ok: true };
        }
        const message = result.error?.message ?? 'the batch failed';
        if (result.outcome === 'retry') return failure('RETRIABLE', message);
        await putTaskStatus(deps.clients, connector.name, { task, state: 'FAILED', workerId: deps.workerId, trace: result.error?.trace ?? message, updatedAt: now() });
        running.reset();
        await tasks.drop(connector.name, task);
        return stopped(message);
      } catch (err) {
        // Deliver never throws: a storage or start failure is a failed attempt, retried.
        const e = err as { code?: string; name?: string; message?: string };
        return failure(e.code ?? e.name ?? 'Error', e.message ?? String(err));
      }
    },
  };
}

const failure = (code: string, message: string): DeliveryResult => ({ ok: false, error: { code, message } });
/** The partition's task failed: its cursor stays until a restart binds the task again. */
const stopped = (message: string): DeliveryResult => ({ ok: false, error: { code: 'TASK_FAILED', message }, stop: true });

interface SinkBinding {
  record: SubscriptionRecord;
  partitions: number;
  connector: ConnectorRecord;
  /** Every topic the connector reads, and how many tasks share their partitions. */
  topics: { name: string; partitions: number }[];
  tasks: number;
  failedTasks: ReadonlySet<number>;
}

/** The subscriptions of every running sink connector, one per topic it reads. */
async function runningSinkBindings(deps: ConnectRuntimeDeps, tasks: TaskCache): Promise<SinkBinding[]> {
  const records = (await listConnectorRecords(deps.clients)).filter((r) => r.type === 'sink' && r.targetState === 'RUNNING');
  let allTopics: Promise<TopicRecord[]> | undefined;
  const out: SinkBinding[] = [];
  for (const r of records) {
    if (!(await runsHere(deps, r))) continue;
    const failedTasks = await readFailedTasks(deps.clients, r.name);
    const taskCount = (await tasks.configs(r).catch(() => [r.config])).length;
    if ([...failedTasks].filter((t) => t < taskCount).length >= taskCount) continue; // all failed
    const topics = await sinkTopics(deps.clients, r, () => (allTopics ??= listTopicRecords(deps.clients)));
    const shared = { topics: topics.map((t) => ({ name: t.name, partitions: t.partitions })), tasks: taskCount, failedTasks };
    for (const t of topics) {
      const stopped = [...Array(t.partitions).keys()].filter((p) => failedTasks.has(sinkTaskOf(shared.topics, taskCount, t.name, p)));
      const record = { ...subscriptionOf(r, t), ...(stopped.length > 0 ? { stoppedPartitions: stopped } : {}) };
      out.push({ record, partitions: t.partitions, connector: r, ...shared });
    }
  }
  return out;
}

function subscriptionOf(r: ConnectorRecord, t: TopicRecord): SubscriptionRecord {
  const batch = Number(r.config['consumer.override.max.poll.records'] ?? DEFAULT_SINK_BATCH);
  return {
    topic: t.name,
    name: r.name,
    subscriptionId: sinkSubscriptionId(r),
    createdAt: r.createdAt,
    topicId: t.topicId,
    target: { type: 'connector', connector: r.name },
    batchSize: Number.isInteger(batch) && batch >= 1 && batch <= 10_000 ? batch : DEFAULT_SINK_BATCH,
    maxBatchingWindowMs: 0,
    startingPosition: 'earliest',
    maxRetries: SINK_MAX_RETRIES,
  };
}

/** The batch as the log holds it (the event's base64 and header byte lists decoded). */
export function logRecords(event: SluiceKafkaEvent): LogRecord[] {
  return Object.values(event.records).flatMap((list: KafkaEventRecord[]) =>
    list.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType: r.timestampType,
      key: r.key === null ? null : Buffer.from(r.key, 'base64'),
      value: r.value === null ? null : Buffer.from(r.value, 'base64'),
      headers: r.headers.flatMap((h) => Object.entries(h).map(([key, v]) => ({ key, value: v === null ? null : Buffer.from(v) }))),
    })),
  );
}

/** Appends dead letters to their topic; a failure throws, so the batch is retried (at-least-once). */
async function appendDeadLetters(deps: ConnectRuntimeDeps, letters: readonly DeadLetter[]): Promise<void> {
  const byTopic = new Map<string, DeadLetter[]>();
  for (const d of letters) byTopic.set(d.topic, [...(byTopic.get(d.topic) ?? []), d]);
  for (const [topic, list] of byTopic) await appendRecords(deps.log, topic, list.map((d) => ({ record: { key: d.key, value: d.value, headers: d.headers, timestamp: d.timestamp } })));
}
