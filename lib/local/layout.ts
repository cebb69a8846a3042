// What a local stack's storage looks like from outside: the bucket, and each table with
// its name, its key attributes and the sort keys of its local indexes. Tools that watch
// the stack's calls (a request meter pricing items per table) or stand in for its
// services (an in-memory double) need this much, and take it from here rather than from
// lib/storage's definitions.
import { prefixedStorageNames, TABLE_IDS, TABLES } from '../storage/definitions.ts';
import type { StorageClients } from '../storage/clients.ts';

export interface LocalTable {
  /** The logical id (topics, partitions, segments…), as request counts name tables. */
  id: string;
  /** The physical name calls carry in TableName. */
  name: string;
  /** Partition key, then sort key when there is one. */
  keys: string[];
  /** Sort key of each local secondary index (an item with one is in that index too). */
  indexKeys: string[];
}

export interface StorageLayout {
  /** What the stack's clients carry as `names`. */
  names: StorageClients['names'];
  tables: LocalTable[];
}

/** The layout of the stack whose tables and bucket share `prefix`. */
export function storageLayout(prefix: string): StorageLayout {
  const names = prefixedStorageNames(prefix);
  return {
    names,
    tables: TABLE_IDS.map((id) => {
      const def = TABLES[id];
      return {
        id,
        name: names.tables[id],
        keys: [def.partitionKey.name, ...(def.sortKey ? [def.sortKey.name] : [])],
        indexKeys: (def.localIndexes ?? []).map((i) => i.sortKey.name),
      };
    }),
  };
}
