// DynamoDB Local answers TransactWriteItems before the transaction is in its database.
//
// Its SQLite backend (SQLiteDBAccess.commitTransaction, DynamoDB Local 3.x) queues the
// COMMIT on the database's single worker thread and returns without waiting for it, so
// the HTTP answer can leave before the COMMIT has run. A kill of the JVM in between loses
// a transaction its client saw succeed: for Sluice, an acknowledged append, whose offsets
// the next append then reuses. Every other operation waits for its own job on that same
// queue, and the queue runs jobs in order: once any later request through it has
// answered, the COMMIT before it has run and the transaction is in the database file.
//
// So, on DynamoDB Local only (the local stack's clients), each successful
// TransactWriteItems is followed by a barrier, ListTables with Limit 1 (it takes the
// queue and touches no table), and the success is handed on only after the barrier
// answered. The barrier goes through a client of its own with the same endpoint, key
// and region (hence the same database and queue), so that what is installed on the
// stack's client (the benchmark's request meter) never sees it: deployed, there is no
// such request. Should the barrier fail, the transaction may or may not have reached the
// file: that is reported as an ambiguous outcome (a server fault without a status), which
// the commit protocol resolves by its ClientRequestToken and index lookup. The stack's
// taps sit outside the barrier (stack.ts instrumentClients): a tap timing a transaction
// sees it end when DynamoDB Local confirmed it, as the caller does.
import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

const MIDDLEWARE_NAME = 'sluice-transaction-commit-barrier';

/** The error a failed barrier turns a transaction's success into: outcome unknown. */
export class CommitNotConfirmedError extends Error {
  override readonly name = 'CommitNotConfirmed';
  readonly $fault = 'server';
  constructor(cause: unknown) {
    super(`DynamoDB Local did not confirm that the transaction reached its database: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * Installs the barrier on a client of DynamoDB Local; `barrier` (a client of the same
 * endpoint, credentials and region) sends the barrier requests. Idempotent.
 */
export function confirmTransactionCommits(ddb: DynamoDBClient, barrier: DynamoDBClient): void {
  const stack = ddb.middlewareStack as unknown as {
    add(mw: unknown, opts: { step: string; name: string; override?: boolean }): void;
  };
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') {
        try {
          await barrier.send(new ListTablesCommand({ Limit: 1 }));
        } catch (err) {
          throw new CommitNotConfirmedError(err);
        }
      }
      return result;
    },
    // Around the SDK's own retries: one barrier per call that succeeded.
    { step: 'initialize', name: MIDDLEWARE_NAME, override: true },
  );
}
