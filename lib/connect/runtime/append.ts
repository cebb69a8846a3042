// Appending what connectors produce (source records, dead letters) through the log.
// A topic that does not exist yet is created with one partition and the topic defaults,
// as Kafka Connect's workers create the topics their sources and dead-letter queues
// write to (topic.creation and errors.deadletterqueue.topic.* defaults).
import { TopicAlreadyExistsError, UnknownTopicOrPartitionError } from '../../core/errors.ts';
import type { Log } from '../../log/index.ts';
import type { PreparedRecord } from '../../log/produce.ts';

/** Appends `records` to `topic` (created when missing); throws the first partition's error. */
export async function appendRecords(log: Log, topic: string, records: readonly PreparedRecord[]): Promise<void> {
  if (records.length === 0) return;
  let answers;
  try {
    answers = await log.produce(topic, records);
  } catch (err) {
    if (!(err instanceof UnknownTopicOrPartitionError) || records.some((r) => r.partition !== undefined)) throw err;
    await createTopics(log, [topic]);
    answers = await log.produce(topic, records);
  }
  const failed = answers.find((a) => 'error' in a);
  if (failed && 'error' in failed) throw failed.error;
}

/** Creates the topics that do not exist yet, with one partition and the topic defaults. */
export async function createTopics(log: Log, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await log.createTopic({ name, partitions: 1 }).catch((e: unknown) => {
      if (!(e instanceof TopicAlreadyExistsError)) throw e;
    });
  }
}
