import '../../support/node22.ts';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { useGateway, uniqueName } from './harness.ts';

const h = useGateway();

describe('@platformatic/kafka against the gateway', () => {
  it('creates a topic, produces and consumes in a group', async () => {
    const topic = uniqueName('events');
    const admin = new Admin({ clientId: 'admin', bootstrapBrokers: [h.broker()] });
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    const producer = new Producer({ clientId: 'p', bootstrapBrokers: [h.broker()], serializers: stringSerializers });
    await producer.send({ messages: [{ topic, key: 'k1', value: 'v1' }, { topic, key: 'k2', value: 'v2' }] });
    const consumer = new Consumer({ groupId: uniqueName('g'), clientId: 'c', bootstrapBrokers: [h.broker()], deserializers: stringDeserializers, maxWaitTime: 100 });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: true, sessionTimeout: 10000, heartbeatInterval: 500 });
    const got: string[] = [];
    for await (const m of stream) {
      got.push(m.value as string);
      if (got.length === 2) break;
    }
    expect(got.sort()).toEqual(['v1', 'v2']);
    await stream.close();
    await consumer.close();
    await producer.close();
    await admin.close();
  });
});
