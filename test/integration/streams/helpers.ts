// Helpers for the streams tests on DynamoDB Local: state storage for the test driver that
// commits each batch's mutations as the versioned writes of one transaction, as the
// processor runtime does (with its outputs and position) in its own commit; and a run of
// the processor runtime where every batch is a process of its own, to crash between any
// two steps.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Log } from '../../../lib/log/index.ts';
import { Serdes } from '../../../lib/streams/index.ts';
import { transact } from '../../../lib/storage/dynamo.ts';
import type { TableClients } from '../../../lib/storage/tables.ts';
import type { ProcessorRuntime } from '../../../lib/streams/runtime/processor.ts';
import type { Mutation } from '../../../lib/streams/stores/backend.ts';
import { DynamoStoreBackend } from '../../../lib/streams/stores/dynamo/backend.ts';
import type { StateNamespace } from '../../../lib/streams/stores/dynamo/keys.ts';
import { stateWrites } from '../../../lib/streams/stores/dynamo/writes.ts';
import type { StateStorage } from '../../../lib/streams/testing/memoryRuntime.ts';

/** DynamoDB's limit on items per transaction: what a batch's state changes must fit. */
export const TRANSACTION_ITEMS = 100;

export const freshNamespace = (application = 'app'): StateNamespace => ({ application, incarnation: randomBytes(6).toString('hex') });

/** Commits mutations in one transaction; throws when a version condition failed. */
export async function commitState(backend: DynamoStoreBackend, clients: TableClients, mutations: readonly Mutation[]): Promise<{ ok: boolean }> {
  if (mutations.length === 0) return { ok: true };
  return transact(clients, stateWrites(backend, mutations), { what: 'commit state' });
}

export function dynamoState(clients: TableClients, ns: StateNamespace = freshNamespace()): StateStorage & { backend: DynamoStoreBackend } {
  const backend = new DynamoStoreBackend(clients, ns);
  return {
    backend,
    commit: async (mutations) => {
      const written = await commitState(backend, clients, mutations);
      if (!written.ok) throw new Error('a state write lost its version condition');
    },
  };
}

/**
 * Runs one batch of each task at a time, each on a new runtime (a new process), until a
 * round moves nothing; an error ends that "process" and the next round starts afresh.
 * Returns how many batches crashed.
 */
export async function runWithRestarts(create: () => Promise<ProcessorRuntime>): Promise<number> {
  let crashes = 0;
  for (let round = 0; round < 200; round++) {
    let moved = false;
    for (const task of (await create()).engine.tasks()) {
      try {
        const outcome = await (await (await create()).runner(task)).runBatch();
        if (outcome.consumed > 0 || outcome.more) moved = true;
      } catch {
        crashes++;
        moved = true;
      }
    }
    if (!moved) return crashes;
  }
  throw new Error('the processor never caught up');
}

/**
 * The exactly-once checker of word count over the whole output topic: each word's counts
 * must be 1, 2, ..., n in order (a duplicate or a loss breaks the run). Returns n per word.
 */
export async function checkOutput(log: Log, topic: string, partitions: number): Promise<Map<string, number>> {
  const seen = new Map<string, number[]>();
  for (let p = 0; p < partitions; p++) {
    const { records } = await log.fetch(topic, p, { offset: 0, maxRecords: 10_000 });
    for (const r of records) {
      const word = r.key!.toString('utf8');
      seen.set(word, [...(seen.get(word) ?? []), Serdes.long().deserialize(r.value) as number]);
    }
  }
  const totals = new Map<string, number>();
  for (const [word, counts] of seen) {
    expect(counts, `counts of '${word}'`).toEqual(counts.map((_, i) => i + 1));
    totals.set(word, counts.length);
  }
  return totals;
}
