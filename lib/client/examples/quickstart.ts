// Produce three orders and consume them as the consumer group "billing".
// Run against `npm start` (or set SLUICE_ENDPOINT): npx tsx lib/client/examples/quickstart.ts
import { Sluice, TopicAlreadyExistsError } from 'sluice';

const sluice = new Sluice({ endpoint: process.env.SLUICE_ENDPOINT ?? 'http://127.0.0.1:9192' });

// A topic with 3 partitions (already there on a second run).
await sluice.admin().createTopic({ name: 'orders', partitions: 3 }).catch((err: unknown) => {
  if (!(err instanceof TopicAlreadyExistsError)) throw err;
});

// Records with the same key go to the same partition, in the order sent.
const producer = sluice.producer();
for (const [user, amount] of [['alice', 200], ['bob', 50], ['alice', 75]] as const) {
  const { partition, offset } = await producer.send({ topic: 'orders', key: user, value: JSON.stringify({ amount }) });
  console.log(`sent ${user} ${amount} to partition ${partition} at offset ${offset}`);
}
await producer.close();

// Join the group, read from the beginning, commit as records are processed.
const consumer = sluice.consumer({ groupId: 'billing', topics: ['orders'], fromBeginning: true });
let count = 0;
await consumer.run({
  eachRecord: async (record) => {
    const { amount } = JSON.parse(record.value!.toString()) as { amount: number };
    console.log(`billed ${record.key} ${amount} (partition ${record.partition}, offset ${record.offset})`);
    if (++count === 3) await consumer.close(); // commits, leaves the group, ends run()
  },
});
