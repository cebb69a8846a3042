// Move money between accounts atomically: a debit and a credit, in two topics, in one transaction.
// Run against `npm start` (or set SLUICE_ENDPOINT): npx tsx lib/client/examples/transactions.ts
import { Sluice, TopicAlreadyExistsError } from 'sluice';

const sluice = new Sluice({ endpoint: process.env.SLUICE_ENDPOINT ?? 'http://127.0.0.1:9192' });
for (const name of ['debits', 'credits']) {
  await sluice.admin().createTopic({ name, partitions: 2 }).catch((err: unknown) => {
    if (!(err instanceof TopicAlreadyExistsError)) throw err;
  });
}

// A transactional id names the producer across restarts: a newer instance fences older ones.
const producer = sluice.producer({ transactionalId: 'transfers-1' });

// Both records become visible together when the function resolves...
const sent = await producer.transaction(async (tx) => {
  await tx.send({ topic: 'debits', key: 'alice', value: JSON.stringify({ transfer: 't1', amount: -50 }) });
  await tx.send({ topic: 'credits', key: 'bob', value: JSON.stringify({ transfer: 't1', amount: 50 }) });
});
for (const r of sent) console.log(`committed ${r.topic} partition ${r.partition} offset ${r.offset}`);

// ...and neither does when it throws: the transaction is aborted, the error comes back.
await producer
  .transaction(async (tx) => {
    await tx.send({ topic: 'debits', key: 'carol', value: JSON.stringify({ transfer: 't2', amount: -80 }) });
    throw new Error('insufficient funds');
  })
  .catch((err: Error) => console.log(`aborted: ${err.message}`));
await producer.close();
