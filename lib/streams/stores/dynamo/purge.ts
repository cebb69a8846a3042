// Deleting an application's state: every item of the `state` table whose partition key
// starts with the application's prefix (keys.ts) and is not of the incarnation to keep.
// It is a Scan of the whole table, filtered to the application, a page at a time with the
// page's items deleted before the next is read, like Kafka's application reset tool
// deleting internal topics: an administrative operation whose cost grows with the
// table, never on a processing path. It is idempotent, so a purge cut short (a timeout)
// is finished by running it again.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { batchWrite, call, type Item } from '../../../storage/dynamo.ts';
import type { TableClients } from '../../../storage/tables.ts';
import { applicationPrefix, parsePartitionKey } from './keys.ts';

/** Deletes the application's items of every incarnation but `keep` (all of them without it); returns how many. */
export async function purgeState(clients: TableClients, application: string, keep?: string): Promise<number> {
  const table = clients.names.tables.state;
  let deleted = 0;
  let start: Item | undefined;
  do {
    const page = await call('Scan', () =>
      clients.ddb.send(
        new ScanCommand({
          TableName: table,
          ConsistentRead: true,
          FilterExpression: 'begins_with(pk, :app)',
          ProjectionExpression: 'pk, sk',
          ExpressionAttributeValues: { ':app': { B: applicationPrefix(application) } },
          ExclusiveStartKey: start,
        }),
      ),
    );
    const stale = (page.Items ?? []).filter((item) => keep === undefined || parsePartitionKey(new Uint8Array(item.pk!.B!)).incarnation !== keep);
    await batchWrite(clients, table, stale.map((Key) => ({ DeleteRequest: { Key } })), `purge the state of ${application}`);
    deleted += stale.length;
    start = page.LastEvaluatedKey;
  } while (start);
  return deleted;
}
