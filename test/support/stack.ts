// Per-file storage on the run's shared emulators (see globalSetup.ts). Each call gets
// its own prefix, hence its own tables and bucket, so test files running in parallel
// never see each other's data. Nothing is deleted afterwards: DynamoDB Local is
// in-memory and s3rver's directory is removed when the run ends.
//
//   const storage = useTestStorage();          // at file (or describe) level
//   it('...', async () => { await storage.clients.ddb.send(...); });
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { createStorageClients, destroyStorageClients, type StorageClients, type StorageConfig } from '../../lib/storage/clients.ts';
import { ensureStorage } from '../../lib/local/bootstrap.ts';
import { localStorageConfig } from '../../lib/local/stack.ts';

export interface TestStorage {
  config: StorageConfig;
  clients: StorageClients;
}

/** A fresh prefix: lower case, starts with a letter, valid in table and bucket names. */
export const uniquePrefix = (): string => `t${randomBytes(5).toString('hex')}`;

/**
 * Creates fresh tables and a bucket on the shared emulators. The caller destroys the
 * clients (destroyStorageClients) when done; useTestStorage does both for you.
 */
export async function testStorage(prefix: string = uniquePrefix()): Promise<TestStorage> {
  const config = localStorageConfig(inject('emulators'), prefix);
  const clients = createStorageClients(config);
  try {
    await ensureStorage(clients);
  } catch (err) {
    destroyStorageClients(clients);
    throw err;
  }
  return { config, clients };
}

/**
 * Registers beforeAll/afterAll hooks that create storage for the enclosing file or
 * describe block and release its clients; the returned object's properties are
 * readable once beforeAll has run.
 */
export function useTestStorage(): TestStorage {
  let storage: TestStorage | undefined;
  beforeAll(async () => {
    storage = await testStorage();
  });
  afterAll(() => {
    if (storage) destroyStorageClients(storage.clients);
    storage = undefined;
  });
  const get = (): TestStorage => {
    if (!storage) throw new Error('test storage is only available between beforeAll and afterAll');
    return storage;
  };
  return {
    get config() {
      return get().config;
    },
    get clients() {
      return get().clients;
    },
  };
}
