import { describe, expect, it } from 'vitest';
import { useGateway, uniqueName } from './harness.ts';

const h = useGateway();

describe('kafkajs against the gateway', () => {
  it('creates a topic, produces with keys and reads the records back', async () => {
    const topic = uniqueName('orders');
    const admin = h.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    const producer = h.kafka().producer();
    await producer.connect();
    const sent = await producer.send({ topic, messages: [{ key: 'alice', value: 'one' }, { key: 'bob', value: 'two' }] });
    expect(sent.every((r) => r.errorCode === 0)).toBe(true);
    const consumer = h.kafka().consumer({ groupId: uniqueName('g'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value!.toString());
          if (got.length === 2) resolve();
        },
      });
    });
    expect(got.sort()).toEqual(['one', 'two']);
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });
});
