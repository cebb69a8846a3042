// Replays change records the way a consumer of the change topics would (upsert on c, u,
// r; delete on d; clear the table on t; tombstones ignored) and checks what must hold of
// them: the replay equals the tables, each key's changes come in commit order, and no
// change is delivered twice.
import { expect } from 'vitest';
import type { SourceRecord } from '../../../../lib/connect/cdc/source.ts';
import type { Envelope } from '../../../../lib/connect/cdc/envelope.ts';

export type Tables = Map<string, Map<string, unknown>>;

const keyText = (key: unknown): string => JSON.stringify(key);

export function replay(records: readonly SourceRecord[]): Tables {
  const tables: Tables = new Map();
  for (const r of records) {
    const table = tables.get(r.topic) ?? new Map<string, unknown>();
    tables.set(r.topic, table);
    const v = r.value as Envelope | null;
    if (v === null) continue;
    if (v.op === 't') table.clear();
    else if (v.op === 'd') table.delete(keyText(r.key));
    else table.set(keyText(r.key), v.after);
  }
  return tables;
}

/** The rows of `table` (topic name → rows), keyed as the records key them. */
export function expectReplayEquals(records: readonly SourceRecord[], expected: Record<string, Record<string, unknown>[]>, keyOf: (row: Record<string, unknown>) => unknown): void {
  const got = replay(records);
  for (const [topic, rows] of Object.entries(expected)) {
    const want = new Map(rows.map((row) => [keyText(keyOf(row)), row]));
    const have = got.get(topic) ?? new Map();
    expect(Object.fromEntries([...have].sort())).toEqual(Object.fromEntries([...want].sort()));
  }
}

/**
 * Per key, LSNs never go back (a snapshot read carries its snapshot's point, a change its
 * commit's), and no change appears twice. `allowRepeatedReads`: a snapshot restarted
 * after a crash may read a row again (op r), newer; changes still come once.
 */
export function expectOrderedOnce(records: readonly SourceRecord[], allowRepeatedReads = false): void {
  const last = new Map<string, number>();
  const seen = new Set<string>();
  for (const r of records) {
    const v = r.value as Envelope | null;
    if (v === null) continue;
    const id = `${r.topic} ${keyText(r.key)}`;
    const lsn = v.source.lsn as number;
    expect(lsn, `${id} went back from ${last.get(id)} to ${lsn}`).toBeGreaterThanOrEqual(last.get(id) ?? 0);
    last.set(id, lsn);
    const { ts_ms: _processed, ...change } = v;
    if (allowRepeatedReads && v.op === 'r') continue;
    const fingerprint = `${id} ${JSON.stringify(change)}`;
    expect(seen.has(fingerprint), `delivered twice: ${fingerprint}`).toBe(false);
    seen.add(fingerprint);
  }
}

/**
 * Per key, the changes in the records (tombstones aside) are exactly `expected` (change
 * ids in the upstream's order, e.g. a stream's): none lost, none twice, none out of order.
 */
export function expectChangesPerKey(records: readonly SourceRecord[], expected: ReadonlyMap<string, readonly string[]>, changeId: (v: Envelope) => string): void {
  const got = new Map<string, string[]>();
  for (const r of records) {
    const v = r.value as Envelope | null;
    if (v === null) continue;
    const id = keyText(r.key);
    got.set(id, [...(got.get(id) ?? []), changeId(v)]);
  }
  expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...expected].sort()));
}

/** The key as the checks compare keys: its JSON text. */
export { keyText };
