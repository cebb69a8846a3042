// Exactly-once copy with kafkajs through Sluice's Kafka gateway: each batch read from 'orders'
// is written to 'orders-copy' together with the group's offsets, in one transaction.
// Run against `npm start` (or set KAFKA_BROKERS): npx tsx lib/gateway/examples/transactions.ts
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'copier', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'orders-copy' }] }); // false if they exist
await admin.disconnect();

// A transactional id names the producer across restarts: a newer instance fences older ones.
const producer = kafka.producer({ transactionalId: 'orders-copier', idempotent: true, maxInFlightRequests: 1 });
await producer.connect();

// An aborted transaction is never seen by anyone; a committed one is seen whole.
const aborted = await producer.transaction();
await aborted.send({ topic: 'orders', messages: [{ key: 'alice', value: 'never' }] });
await aborted.abort();
const seed = await producer.transaction();
await seed.send({ topic: 'orders', messages: ['200', '50', '75'].map((amount) => ({ key: 'alice', value: amount })) });
await seed.commit();

// Read-process-write: each batch's copies and its consumed offsets commit together.
const consumer = kafka.consumer({ groupId: 'orders-copier', readUncommitted: false });
await consumer.connect();
await consumer.subscribe({ topic: 'orders', fromBeginning: true });
let copied = 0;
await new Promise<void>((done) => {
  void consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const next = String(Number(batch.lastOffset()) + 1);
      const txn = await producer.transaction();
      await txn.send({ topic: 'orders-copy', messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
      await txn.sendOffsets({ consumerGroupId: 'orders-copier', topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
      await txn.commit();
      console.log(`copied ${batch.messages.length} records; the group goes on at offset ${next}`);
      if ((copied += batch.messages.length) >= 3) done();
    },
  });
});
await consumer.disconnect();
await producer.disconnect();
