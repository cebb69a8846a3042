// The storage of this container, from its Lambda environment, built on first use (cold
// start) and shared by every event after: the HTTP operations and a scheduled pass of one
// function use one set of clients. Reaches the DynamoDB and S3 clients; functions without
// bucket access use tables.ts instead.
import { Log } from '../log/index.ts';
import { storageClientsFromEnv, type StorageClients } from '../log/clientsFromEnv.ts';

let clients: StorageClients | undefined;
let log: Log | undefined;

export function storageFromEnv(): StorageClients {
  return (clients ??= storageClientsFromEnv());
}

/** The Log over storageFromEnv(). */
export function logFromEnv(): Log {
  return (log ??= new Log(storageFromEnv()));
}
