// A produce request over several partitions (lib/log/sharedAppend.ts) failing or crashing
// between its steps: whatever committed stays readable, the shared object stays exactly as
// long as an entry references it, and an object nothing references goes after the grace
// period. Faults are injected with SDK middleware; the clock is the pass's.
import { describe, expect, it } from 'vitest';
import { Log, type PreparedRecord } from '../../../lib/log/index.ts';
import { runMaintenance } from '../../../lib/log/maintenance/index.ts';
import { PENDING_SETTLE_MS } from '../../../lib/log/transaction/sharedObjects.ts';
import { useTestStorage } from '../../support/stack.ts';
import { expectDenseOffsets, failWhen, readAll, rec, sharedObjectKeys } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;
const GRACE = 60_000;

const sharedObjects = () => sharedObjectKeys(storage.clients);

const spread = (partitions: number): PreparedRecord[] => Array.from({ length: partitions }, (_, p) => ({ record: rec(`v${p}`), partition: p }));
const pass = (at: number) => runMaintenance(storage.clients, { now: () => at, graceMs: GRACE, compactionTargetBytes: 0 });

describe('a multi-partition produce that fails part-way', () => {
  it('one partition committed, one refused: the object stays while the committed entry does, and goes after it', async () => {
    const t0 = Date.now();
    const log = new Log(storage.clients, { now: () => t0, commit: { maxAttempts: 1 } });
    const t = await log.createTopic({ name: `sac${n++}-${t0}`, partitions: 2, config: { 'retention.ms': 3_600_000 } });
    const before = await sharedObjects();
    const heal = failWhen(storage.clients.ddb, (c, input) => c === 'UpdateItemCommand' && input.TableName === storage.clients.names.tables.partitions && input.Key?.partition?.N === '1');

    const answer = await log.produce(t.name, spread(2));
    heal();
    const [object] = (await sharedObjects()).filter((k) => !before.includes(k));

    expect(answer[0]).toEqual({ partition: 0, offset: 0 });
    expect(answer[1]).toMatchObject({ partition: 1, error: expect.objectContaining({ code: 'KAFKA_STORAGE_ERROR' }) });
    await pass(t0 + PENDING_SETTLE_MS + 1_000);
    expect(await sharedObjects()).toContain(object);
    expect((await readAll(log, t.name, 0)).map((r) => r.value)).toEqual(['v0']);
    expect(await readAll(log, t.name, 1)).toEqual([]);
    await expectDenseOffsets(storage.clients, t.topicId, 0);
    await expectDenseOffsets(storage.clients, t.topicId, 1);

    // Retention lets go of the one entry; the sweep then deletes the object after the grace period.
    await pass(t0 + 2 * 3_600_000);
    expect(await sharedObjects()).toContain(object);
    await pass(t0 + 2 * 3_600_000 + GRACE + 1_000);
    expect(await sharedObjects()).not.toContain(object);
  });

  it('a crash before the record was written leaves an orphan that nothing references, deleted after the grace period', async () => {
    const log = new Log(storage.clients);
    const t = await log.createTopic({ name: `sac${n++}-${Date.now()}`, partitions: 3 });
    const before = await sharedObjects();
    const heal = failWhen(storage.clients.ddb, (c, input) => c === 'PutItemCommand' && input.TableName === storage.clients.names.tables.producers);

    const failed = await log.produce(t.name, spread(3)).catch((e: unknown) => e);
    heal();
    const [orphan] = (await sharedObjects()).filter((k) => !before.includes(k));

    expect(failed).toMatchObject({ code: 'KAFKA_STORAGE_ERROR' });
    for (let p = 0; p < 3; p++) expect(await readAll(log, t.name, p)).toEqual([]);
    await pass(Date.now());
    expect(await sharedObjects()).toContain(orphan);
    await pass(Date.now() + GRACE + 60_000);
    expect(await sharedObjects()).not.toContain(orphan);
  });
});
