// The local stack's DynamoDB client confirms every transaction is in DynamoDB Local's
// database before handing on its success (lib/local/commit-barrier.ts). Whether
// DynamoDB Local has run its queued COMMIT cannot be observed from outside, so these
// tests pin the mechanism: the barrier request follows each successful transaction
// before the caller sees it, and a failed barrier is an ambiguous outcome. That this is
// what keeps acknowledged appends through a kill -9 is shown end to end in
// test/e2e/crash.test.ts.
import { PutItemCommand, TransactWriteItemsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitNotConfirmedError, confirmTransactionCommits } from '../../../lib/local/commit-barrier.ts';
import { createStorageClients, destroyStorageClients, type StorageClients } from '../../../lib/storage/clients.ts';
import { createDynamoClient } from '../../../lib/storage/tables.ts';
import { isAmbiguous } from '../../../lib/storage/failures.ts';
import { injectFault } from '../../support/log.ts';
import { useTestStorage } from '../../support/stack.ts';

const storage = useTestStorage();
let clients: StorageClients;
let barrier: DynamoDBClient;

beforeAll(() => {
  clients = createStorageClients(storage.config);
  barrier = createDynamoClient(storage.config);
  confirmTransactionCommits(clients.ddb, barrier);
});
afterAll(() => {
  destroyStorageClients(clients);
  barrier.destroy();
});

/** Records, in order, each command the clients send once it is answered. */
function trace(ddbs: DynamoDBClient[], events: string[]): () => void {
  const name = `trace-${Math.random()}`;
  for (const ddb of ddbs) {
    (ddb.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        const result = await next(args);
        events.push(`answered ${context.commandName.replace(/Command$/, '')}`);
        return result;
      },
      { step: 'finalizeRequest', name },
    );
  }
  return () => ddbs.forEach((ddb) => (ddb.middlewareStack as any).remove(name));
}

const transaction = (id: string) =>
  new TransactWriteItemsCommand({
    TransactItems: [{ Put: { TableName: clients.names.tables.topics, Item: { name: { S: id }, topicId: { S: id } } } }],
  });

describe('the commit barrier on the local stack', () => {
  it('answers a transaction only after a later request through DynamoDB Local has answered', async () => {
    const events: string[] = [];
    const untrace = trace([clients.ddb, barrier], events);
    try {
      await clients.ddb.send(transaction('barrier-a'));
      events.push('caller sees success');
    } finally {
      untrace();
    }
    expect(events).toEqual(['answered TransactWriteItems', 'answered ListTables', 'caller sees success']);
  });

  it('sends the barrier past what is installed on the client (a request meter never counts it)', async () => {
    const seen: string[] = [];
    const name = `meter-${Math.random()}`;
    (clients.ddb.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        seen.push(context.commandName);
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await clients.ddb.send(transaction('barrier-c'));
    } finally {
      (clients.ddb.middlewareStack as any).remove(name);
    }
    expect(seen).toEqual(['TransactWriteItemsCommand']);
  });

  it('adds nothing to other writes', async () => {
    const events: string[] = [];
    const untrace = trace([clients.ddb, barrier], events);
    try {
      await clients.ddb.send(new PutItemCommand({ TableName: clients.names.tables.topics, Item: { name: { S: 'plain' }, topicId: { S: 'p' } } }));
    } finally {
      untrace();
    }
    expect(events).toEqual(['answered PutItem']);
  });

  it('reports a transaction whose barrier failed as an ambiguous outcome, not a success', async () => {
    const removeFault = injectFault(barrier, 'ListTables', 'before', { times: 1 });
    let error: unknown;
    try {
      await clients.ddb.send(transaction('barrier-b'));
    } catch (err) {
      error = err;
    } finally {
      removeFault();
    }
    expect(error).toBeInstanceOf(CommitNotConfirmedError);
    expect(isAmbiguous(error)).toBe(true);
    // Once DynamoDB Local answers again, so does the transaction (its resend is idempotent).
    await expect(clients.ddb.send(transaction('barrier-b'))).resolves.toBeDefined();
  });
});
