// Key compaction (cleanup.policy=compact) in the maintenance pass, against the emulators:
// the latest record per key at its offset, readable by both fetch forms across the gaps;
// tombstones kept delete.retention.ms, then removed; the head never cleaned; young
// records left alone; compact,delete also applies retention; a small offset map resumes
// over passes; replaced objects freed after the grace period; a reader during cleaning
// sees every surviving record exactly once.
import { describe, expect, it } from 'vitest';
import { Log } from '../../../../lib/log/index.ts';
import { runMaintenance, type MaintenanceOptions } from '../../../../lib/log/maintenance/index.ts';
import { decodeEachBatch } from '../../../../lib/records/index.ts';
import { createStorageClients, destroyStorageClients } from '../../../../lib/storage/clients.ts';
import { getHead } from '../../../../lib/storage/metadata.ts';
import { flushTail } from '../../../../lib/storage/tail.ts';
import { expectDenseOffsets, indexEntries, injectFault, readAll } from '../../../support/log.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { expectCountersMatchIndex, GRACE, objectKeys, rawBatches, testClock } from './helpers.ts';

let n = 0;
const kv = (key: string, value: string | null) => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value) });

describe('key compaction', () => {
  const storage = useTestStorage();

  async function setup(config: Record<string, string | number> = {}) {
    const clock = testClock();
    const log = new Log(storage.clients, { now: clock.now });
    const t = await log.createTopic({
      name: `kc${n++}-${Date.now()}`,
      config: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0, ...config },
    });
    const pass = (opts: MaintenanceOptions = {}) =>
      runMaintenance(storage.clients, { now: clock.now, topics: [t.name], compactionTargetBytes: 0, ...opts });
    const append = (...records: ReturnType<typeof kv>[]) => log.append(t.name, 0, { records });
    return { clock, log, name: t.name, topicId: t.topicId, pass, append };
  }

  it('keeps the latest record of each key at its offset, readable as records and as raw batches across the gaps', async () => {
    const { log, name, topicId, pass, append } = await setup();
    await append(kv('a', 'a1'), kv('b', 'b1'), kv('c', 'c1'));
    await append(kv('a', 'a2'), kv('b', 'b2'));
    await append(kv('a', 'a3'));
    await append(kv('d', 'd1'));
    const before = await getHead(storage.clients, topicId, 0);

    const report = await pass();

    expect(report.partitions[0]!.cleaning).toMatchObject({ reason: 'dirty-ratio', recordsRemoved: 3, rangesRewritten: 1, cleanedOffset: 6 });
    expect((await readAll(log, name, 0)).map((r) => [r.offset, r.key, r.value])).toEqual([
      [2, 'c', 'c1'], [4, 'b', 'b2'], [5, 'a', 'a3'], [6, 'd', 'd1'],
    ]);
    for (let from = 0; from <= 6; from++) {
      const first = (await log.fetch(name, 0, { offset: from, maxRecords: 1 })).records[0]!.offset;
      expect(first, `a fetch at ${from} starts at the next surviving record`).toBe([2, 2, 2, 4, 4, 5, 6][from]);
    }
    const raw = [...decodeEachBatch(await rawBatches(log, name, 0))].flatMap((b) => b.records.map((r) => [r.offset, r.key!.toString()]));
    expect(raw).toEqual([[2, 'c'], [4, 'b'], [5, 'a'], [6, 'd']]);
    const after = await getHead(storage.clients, topicId, 0);
    expect([after.nextOffset, after.logStartOffset]).toEqual([before.nextOffset, before.logStartOffset]);
    expect(after.sizeBytes).toBeLessThan(before.sizeBytes);
    expect(after.cleaning).toMatchObject({ cleanedOffset: 6 });
    await expectDenseOffsets(storage.clients, topicId, 0, { gaps: true });
    await expectCountersMatchIndex(storage.clients, topicId, 0);
  });

  it('frees the replaced objects once the grace period has passed, and only then', async () => {
    const { clock, topicId, pass, append } = await setup();
    await append(kv('a', '1'));
    await append(kv('a', '2'));
    await append(kv('a', '3'));
    await pass();
    const referenced = () => indexEntries(storage.clients, topicId, 0).then((es) => [...new Set(es.map((e) => e.objectKey))].sort());
    expect((await objectKeys(storage.clients, topicId)).length).toBeGreaterThan((await referenced()).length);

    clock.advance(GRACE - 60_000);
    await pass();
    expect((await objectKeys(storage.clients, topicId)).length).toBeGreaterThan((await referenced()).length);
    clock.advance(120_000);
    const due = await pass();
    expect(due.totals.objectsDeleted).toBeGreaterThan(0);
    expect(await objectKeys(storage.clients, topicId)).toEqual(await referenced());
  });

  it('keeps a tombstone delete.retention.ms after the cleaning that first kept it, then removes it; never the last record', async () => {
    const { clock, log, name, pass, append } = await setup({ 'delete.retention.ms': 60_000 });
    await append(kv('a', 'a1'));
    await append(kv('a', null));
    await append(kv('b', null));
    const values = async () => (await readAll(log, name, 0)).map((r) => [r.offset, r.key, r.value]);

    await pass();
    expect(await values()).toEqual([[1, 'a', null], [2, 'b', null]]);
    clock.advance(59_999);
    await pass();
    expect(await values(), 'not before delete.retention.ms').toEqual([[1, 'a', null], [2, 'b', null]]);
    clock.advance(1);
    const due = await pass();
    expect(due.partitions[0]!.cleaning).toMatchObject({ reason: 'tombstones', tombstonesRemoved: 1 });
    expect(await values(), 'the last record, a tombstone, stays').toEqual([[2, 'b', null]]);
    clock.advance(10 * 60_000);
    await pass();
    expect(await values()).toEqual([[2, 'b', null]]);
  });

  it('leaves records younger than min.compaction.lag.ms alone, and cleans them once they are old enough', async () => {
    const { clock, log, name, pass, append } = await setup({ 'min.compaction.lag.ms': 60_000 });
    await append(kv('a', '1'));
    await append(kv('a', '2'));
    await append(kv('b', '3'));

    expect((await pass()).partitions).toEqual([]);
    expect(await readAll(log, name, 0)).toHaveLength(3);
    clock.advance(61_000);
    await pass();
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['2', '3']);
  });

  it('waits for min.cleanable.dirty.ratio, unless max.compaction.lag.ms has passed', async () => {
    const { clock, log, name, pass, append } = await setup({ 'min.cleanable.dirty.ratio': 0.99, 'max.compaction.lag.ms': 3_600_000 });
    await append(kv('a', '1'));
    await append(kv('a', '2'));
    await append(kv('b', '3'));
    await pass();
    await append(kv('a', '4'));
    await append(kv('c', '5'));

    const early = await pass();
    expect(early.partitions[0]!.cleaning).toMatchObject({ reason: 'not-due', rangesRewritten: 0 });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['2', '3', '4', '5']);
    clock.advance(3_600_000);
    expect((await pass()).partitions[0]!.cleaning).toMatchObject({ reason: 'max-lag' });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['3', '4', '5']);
  });

  it('applies retention too with compact,delete, and never with compact alone', async () => {
    const compactOnly = await setup({ 'retention.ms': 1_000 });
    const both = await setup({ 'retention.ms': 1_000, 'cleanup.policy': 'compact,delete' });
    for (const t of [compactOnly, both]) {
      await t.append(kv('a', '1'));
      await t.append(kv('b', '2'));
      t.clock.advance(60_000);
      await t.append(kv('c', '3'));
      await t.pass();
    }
    expect((await readAll(compactOnly.log, compactOnly.name, 0)).map((r) => r.value)).toEqual(['1', '2', '3']);
    expect((await readAll(both.log, both.name, 0, 2)).map((r) => [r.offset, r.value])).toEqual([[2, '3']]);
  });

  it('cleans over several passes when the offset map holds fewer keys than the dirty part, to the same result', async () => {
    const { log, name, topicId, pass, append } = await setup();
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 6; k++) await append(kv(`k${k}`, `r${round}`), kv(`k${k + 6}`, `r${round}`));
    }
    await append(kv('end', 'x'));
    const small = { cleanerMemoryBytes: 8 * 24 }; // 7 keys: three appends of two records per pass
    const checkpoints: number[] = [];
    for (let i = 0; i < 12; i++) {
      await pass(small);
      checkpoints.push((await getHead(storage.clients, topicId, 0)).cleaning!.cleanedOffset);
    }
    expect(checkpoints.slice(0, 3)).toEqual([6, 12, 18]);
    expect(checkpoints.at(-1)).toBe(36);
    const table = (await readAll(log, name, 0)).map((r) => [r.key, r.value]);
    const last = Array.from({ length: 6 }, (_, k) => [[`k${k}`, 'r2'], [`k${k + 6}`, 'r2']]).flat();
    expect(table).toEqual([...last, ['end', 'x']]);
    await expectDenseOffsets(storage.clients, topicId, 0, { gaps: true });
  });

  it('lets a reader that runs during cleaning see every surviving record exactly once, in order', async () => {
    const { log, name, topicId, append } = await setup();
    const written: { offset: number; key: string; value: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const { baseOffset } = await append(kv(`k${i % 7}`, `v${i}`), kv(`k${(i + 3) % 7}`, `w${i}`));
      written.push({ offset: baseOffset, key: `k${i % 7}`, value: `v${i}` }, { offset: baseOffset + 1, key: `k${(i + 3) % 7}`, value: `w${i}` });
    }
    // The reader takes one small step before every index swap of the cleaning.
    const seen: { offset: number; key: string | null; value: string | null }[] = [];
    let position = 0;
    const step = async () => {
      const res = await log.fetch(name, 0, { offset: position, maxRecords: 3 });
      for (const r of res.records) seen.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
      position = res.nextOffset;
    };
    const maintenance = createStorageClients(storage.config);
    maintenance.ddb.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') await step();
        return next(args);
      },
      { step: 'initialize', name: 'reader-between-swaps' },
    );
    try {
      // Small ranges: many swaps, each with a reader step before it.
      const report = await runMaintenance(maintenance, { topics: [name], compactionTargetBytes: 300, indexIntervalBytes: 1 });
      expect(report.partitions[0]!.cleaning!.rangesRewritten).toBeGreaterThan(3);
    } finally {
      destroyStorageClients(maintenance);
    }
    while (position < written.length) await step();

    const offsets = seen.map((r) => r.offset);
    expect(offsets, 'strictly increasing: nothing twice').toEqual([...offsets].sort((a, b) => a - b).filter((o, i, a) => a.indexOf(o) === i));
    const survivors = await readAll(log, name, 0);
    for (const s of survivors) expect(seen, `survivor ${s.offset}`).toContainEqual({ offset: s.offset, key: s.key, value: s.value });
    for (const r of seen) expect(written, 'only records of the log, at their offsets').toContainEqual(r);
    await expectDenseOffsets(storage.clients, topicId, 0, { gaps: true });
  });

  it('loses nothing when the swap fails before it is sent, or after it committed: the next pass finishes, the orphan goes after the grace period', async () => {
    for (const when of ['before', 'after'] as const) {
      const { clock, log, name, topicId, pass, append } = await setup();
      await append(kv('a', '1'), kv('b', '1'));
      await append(kv('a', '2'));
      await append(kv('z', 'end'));
      const original = await readAll(log, name, 0);
      await flushTail(storage.clients, topicId, 0); // so that the pass's first transaction is the swap
      const faulty = createStorageClients(storage.config);
      injectFault(faulty.ddb, 'TransactWriteItems', when, { times: 1, error: () => new Error('process crashed') });
      try {
        const crashed = await runMaintenance(faulty, { now: clock.now, topics: [name], compactionTargetBytes: 0 });
        expect(crashed.errors, when).toHaveLength(1);
      } finally {
        destroyStorageClients(faulty);
      }
      const cleaned = [[1, '1'], [2, '2'], [3, 'end']];
      const values = async () => (await readAll(log, name, 0)).map((r) => [r.offset, r.value]);
      expect(await values(), when).toEqual(when === 'before' ? original.map((r) => [r.offset, r.value]) : cleaned);

      await pass();
      expect(await values(), when).toEqual(cleaned);
      expect((await getHead(storage.clients, topicId, 0)).cleaning?.cleanedOffset).toBe(3);
      clock.advance(GRACE + 60_000);
      await pass();
      const referenced = [...new Set((await indexEntries(storage.clients, topicId, 0)).map((e) => e.objectKey))].sort();
      expect(await objectKeys(storage.clients, topicId), when).toEqual(referenced);
      await expectDenseOffsets(storage.clients, topicId, 0, { gaps: true });
    }
  });
});
