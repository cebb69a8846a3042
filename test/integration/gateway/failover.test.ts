// Two gateway nodes on one storage. The node the clients are talking to is killed while
// they produce and consume: the clients carry on through the other node, no acknowledged
// record is lost, and the consumer group goes on and reads every acknowledged record.
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { uniqueName, until, useGatewayNodes } from './harness.ts';

const gateways = useGatewayNodes(2);


describe('a gateway node killed under load', () => {
  it('loses no acknowledged record and the group carries on through the other node', async () => {
    const nodes = gateways.nodes();
    const kafka = new Kafka({
      clientId: 'failover',
      brokers: nodes.map((n) => `127.0.0.1:${n.port}`),
      logLevel: logLevel.NOTHING,
      retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 },
      connectionTimeout: 500,
    });
    const topic = uniqueName('failover');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('g'), sessionTimeout: 6000, heartbeatInterval: 200, maxWaitTimeInMs: 100 });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });

    const producer = kafka.producer();
    await producer.connect();
    const acked: string[] = [];
    let i = 0;
    const sendOne = async () => {
      const value = `r${i++}`;
      try {
        await producer.send({ topic, messages: [{ key: value, value }] });
        acked.push(value);
      } catch {
        // Not acknowledged: it may or may not be in the log, and need not be.
      }
    };
    while (acked.length < 30) await sendOne();
    await until('the consumer to catch up', () => acked.every((v) => seen.has(v)));

    const busiest = nodes.reduce((a, b) => (b.connections() > a.connections() ? b : a));
    busiest.kill();
    const survivors = acked.length;
    while (acked.length < survivors + 30) await sendOne();
    await producer.disconnect();

    await until('every acknowledged record consumed', () => acked.every((v) => seen.has(v)));
    await consumer.disconnect();

    const other = nodes.find((n) => n !== busiest)!;
    const stored = new Set<string>();
    for (const p of [0, 1]) {
      for (const r of (await other.services.log.fetch(topic, p, { offset: 0, maxRecords: 1000 })).records) stored.add(r.value!.toString());
    }
    expect(acked.filter((v) => !stored.has(v))).toEqual([]);
  });
});
