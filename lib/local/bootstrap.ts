// Creates Sluice's tables and bucket on a local stack (emulators or LocalStack) from the
// one definition in lib/storage/definitions.ts. Idempotent: what exists is left alone.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { createTableInput, TABLE_IDS, TABLES, type TableDefinition } from '../storage/definitions.ts';
import type { StorageClients } from '../storage/clients.ts';
import { sleep } from '../core/time.ts';

const ACTIVE_TIMEOUT_MS = 60_000;

const errorName = (err: unknown): string | undefined => (err as { name?: string } | null)?.name;

const isActive = (t: TableDescription | undefined): boolean =>
  t?.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');

async function waitUntilActive(clients: StorageClients, tableName: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (let delay = 25; ; delay = Math.min(delay * 2, 1_000)) {
    const { Table } = await clients.ddb.send(new DescribeTableCommand({ TableName: tableName }));
    if (isActive(Table)) return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is still ${Table?.TableStatus} after ${ACTIVE_TIMEOUT_MS / 1000} s`);
    await sleep(delay);
  }
}

async function ensureTable(clients: StorageClients, def: TableDefinition): Promise<void> {
  const tableName = clients.names.tables[def.id];
  let created: TableDescription | undefined;
  try {
    created = (await clients.ddb.send(new CreateTableCommand(createTableInput(def, tableName)))).TableDescription;
  } catch (err) {
    if (errorName(err) !== 'ResourceInUseException') throw err;
  }
  if (!isActive(created)) await waitUntilActive(clients, tableName);

  if (def.timeToLiveAttribute) {
    const { TimeToLiveDescription: ttl } = await clients.ddb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    if (ttl?.TimeToLiveStatus !== 'ENABLED' && ttl?.TimeToLiveStatus !== 'ENABLING') {
      await clients.ddb.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }
}

async function ensureBucket(clients: StorageClients): Promise<void> {
  const region = await clients.s3.config.region();
  try {
    await clients.s3.send(
      new CreateBucketCommand({
        Bucket: clients.names.bucket,
        // us-east-1 is the one region that must not be named.
        ...(region && region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } } : {}),
      }),
    );
  } catch (err) {
    const name = errorName(err);
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
  }
}

/** Creates every table in TABLES and the bucket, when missing, and waits until usable. */
export async function ensureStorage(clients: StorageClients): Promise<void> {
  await Promise.all([...TABLE_IDS.map((id) => ensureTable(clients, TABLES[id])), ensureBucket(clients)]);
}
