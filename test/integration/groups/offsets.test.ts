// Offset commits against the emulators: fencing by member, generation and ownership in
// the same transaction as the write, monotone offsets, range checks, lag, resets, and
// the group admin operations.
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { createStorageClients, destroyStorageClients } from '../../../lib/storage/clients.ts';
import { useTestStorage } from '../../support/stack.ts';
import { clock, Consumer, groupsFor, settle } from './harness.ts';

const storage = useTestStorage();
let n = 0;

/** A topic whose partitions hold `records[p]` records, record i stamped (i + 1) * 1000. */
async function fixture(records: number[] = [5, 3]) {
  const log = new Log(storage.clients);
  const t = `o${n++}`;
  await log.createTopic({ name: t, partitions: records.length });
  for (const [p, count] of records.entries()) {
    if (count === 0) continue;
    await log.append(t, p, {
      records: Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`${p}-${i}`), timestamp: (i + 1) * 1000 })),
    });
  }
  const c = clock();
  return { t, g: `og${n++}`, c, groups: groupsFor(storage.clients, c), log };
}

/** Two settled members, one partition each. */
async function twoMembers(records?: number[]) {
  const f = await fixture(records);
  const a = await Consumer.join(f.groups, f.g, [f.t]);
  const b = await Consumer.join(f.groups, f.g, [f.t]);
  await settle([a, b]);
  return { ...f, a, b };
}

const commitOf = (c: Consumer, topic: string, partition: number, offset: number) =>
  c.groups.commit(c.group, { memberId: c.memberId, generation: c.generation, offsets: [{ topic, partition, offset }] });

async function committed(f: { groups: { fetchOffsets(g: string): Promise<{ offsets: { partition: number; offset: number | null }[] }> }; g: string }) {
  return (await f.groups.fetchOffsets(f.g)).offsets.map((o) => o.offset);
}

describe('commit fencing', () => {
  it('a member commits the partitions it owns', async () => {
    const { t, g, groups, a } = await twoMembers();
    const p = a.partitions(t)[0]!;

    const res = await groups.commit(g, { memberId: a.memberId, generation: a.generation, offsets: [{ topic: t, partition: p, offset: 2, metadata: 'm' }] });

    expect(res.offsets).toEqual([{ topic: t, partition: p, offset: 2, metadata: 'm' }]);
    expect((await groups.fetchOffsets(g)).offsets.find((o) => o.partition === p)).toMatchObject({ offset: 2, metadata: 'm' });
  });

  it('refuses a commit with a stale generation and writes nothing', async () => {
    const { t, g, groups, a, b } = await twoMembers();
    const stale = a.generation;
    const p = a.partitions(t)[0]!;
    await groups.leave(g, b.memberId);
    await a.heartbeat(); // takes b's partition: new generation

    await expect(
      groups.commit(g, { memberId: a.memberId, generation: stale, offsets: [{ topic: t, partition: p, offset: 1 }] }),
    ).rejects.toMatchObject({ code: 'ILLEGAL_GENERATION', status: 409, details: { reason: 'STALE_GENERATION' } });
    expect(await committed({ groups, g })).toEqual([null, null]);
  });

  it('refuses a commit for a partition assigned to another member', async () => {
    const { t, g, groups, a, b } = await twoMembers();

    await expect(commitOf(a, t, b.partitions(t)[0]!, 1)).rejects.toMatchObject({
      code: 'ILLEGAL_GENERATION',
      details: { reason: 'NOT_ASSIGNED' },
    });
    expect(await committed({ groups, g })).toEqual([null, null]);
  });

  it('refuses the whole commit when one of its partitions is foreign', async () => {
    const { t, g, groups, a, b } = await twoMembers();

    await expect(
      groups.commit(g, {
        memberId: a.memberId,
        generation: a.generation,
        offsets: [
          { topic: t, partition: a.partitions(t)[0]!, offset: 1 },
          { topic: t, partition: b.partitions(t)[0]!, offset: 1 },
        ],
      }),
    ).rejects.toMatchObject({ code: 'ILLEGAL_GENERATION' });
    expect(await committed({ groups, g })).toEqual([null, null]);
  });

  it('lets a revoking member commit its final offset until it confirms, then refuses it', async () => {
    const f = await fixture([5, 3]);
    const a = await Consumer.join(f.groups, f.g, [f.t]);
    await Consumer.join(f.groups, f.g, [f.t]);
    await a.heartbeat(); // revocation notice
    const revoked = [0, 1].find((p) => !a.partitions(f.t).includes(p))!;

    await commitOf(a, f.t, revoked, 1);
    await a.heartbeat(); // confirms

    await expect(commitOf(a, f.t, revoked, 2)).rejects.toMatchObject({ code: 'ILLEGAL_GENERATION' });
    expect((await committed(f))[revoked]).toBe(1);
  });

  it('a member that lost its partition while its commit was in flight cannot overwrite the new owner', async () => {
    const f = await fixture([5, 3]);
    const a = await Consumer.join(f.groups, f.g, [f.t]);
    const b = await Consumer.join(f.groups, f.g, [f.t]);
    await a.heartbeat(); // a is revoking one partition and may still commit it
    const p = [0, 1].find((x) => !a.partitions(f.t).includes(x))!;
    // a's commit runs on its own clients; between its checks and its transaction the
    // partition moves to b and b commits.
    const clientsA = createStorageClients(storage.config);
    const racer = new Consumer(groupsFor(clientsA, f.c), f.g);
    Object.assign(racer, { memberId: a.memberId, generation: a.generation });
    let fired = false;
    clientsA.ddb.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        if (context.commandName === 'TransactWriteItemsCommand' && !fired) {
          fired = true;
          await a.heartbeat(); // confirms the revocation
          await b.heartbeat(); // takes the partition
          await commitOf(b, f.t, p, 2);
        }
        return next(args);
      },
      { step: 'initialize', name: 'handover' },
    );

    const attempt = commitOf(racer, f.t, p, 3).finally(() => destroyStorageClients(clientsA));

    await expect(attempt).rejects.toMatchObject({ code: 'ILLEGAL_GENERATION', details: { reason: 'NOT_ASSIGNED' } });
    expect(fired).toBe(true);
    expect((await committed(f))[p]).toBe(2);
  });

  it('refuses a commit without memberId while the group has members', async () => {
    const { t, g, groups } = await twoMembers();

    await expect(groups.commit(g, { offsets: [{ topic: t, partition: 0, offset: 1 }] })).rejects.toMatchObject({
      code: 'NON_EMPTY_GROUP',
      status: 409,
    });
    expect(await committed({ groups, g })).toEqual([null, null]);
  });

  it('accepts a commit without memberId once the group is empty', async () => {
    const { t, g, groups, a, b } = await twoMembers();
    await groups.leave(g, a.memberId);
    await groups.leave(g, b.memberId);

    await groups.commit(g, { offsets: [{ topic: t, partition: 0, offset: 1 }] });

    expect(await committed({ groups, g })).toEqual([1, null]);
  });

  it('accepts a commit without memberId for a group that never had members', async () => {
    const { t, g, groups } = await fixture();

    await groups.commit(g, { offsets: [{ topic: t, partition: 1, offset: 3 }] });

    expect(await committed({ groups, g })).toEqual([null, 3]);
  });
});

describe('offsets', () => {
  it('never move backwards: a lower commit succeeds but keeps the higher offset', async () => {
    const { t, g, groups, a } = await twoMembers();
    const p = a.partitions(t)[0]!;
    await commitOf(a, t, p, 3);

    const res = await commitOf(a, t, p, 1);

    expect(res.offsets[0]!.offset).toBe(3);
    expect((await committed({ groups, g }))[p]).toBe(3);
  });

  it('refuses an offset beyond the high watermark with OFFSET_OUT_OF_RANGE', async () => {
    const { t, g, groups } = await fixture([5, 3]);

    await expect(groups.commit(g, { offsets: [{ topic: t, partition: 0, offset: 6 }] })).rejects.toMatchObject({
      code: 'OFFSET_OUT_OF_RANGE',
      status: 416,
      details: { highWatermark: 5, logStartOffset: 0 },
    });
    await groups.commit(g, { offsets: [{ topic: t, partition: 0, offset: 5 }] });
    expect(await committed({ groups, g })).toEqual([5, null]);
  });

  it('refuses unknown topics and partitions with 404', async () => {
    const { t, g, groups } = await fixture([5, 3]);

    await expect(groups.commit(g, { offsets: [{ topic: 'nope', partition: 0, offset: 0 }] })).rejects.toMatchObject({
      code: 'UNKNOWN_TOPIC_OR_PARTITION',
      status: 404,
    });
    await expect(groups.commit(g, { offsets: [{ topic: t, partition: 2, offset: 0 }] })).rejects.toMatchObject({
      code: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
  });

  it('reports lag per partition: high watermark minus committed, or minus log start without a commit', async () => {
    const { t, g, groups, a } = await twoMembers([5, 3]);
    await commitOf(a, t, a.partitions(t)[0]!, 2);
    const p = a.partitions(t)[0]!;
    const other = 1 - p;
    const hw = [5, 3];

    const { offsets } = await groups.fetchOffsets(g);

    expect(offsets.find((o) => o.partition === p)).toMatchObject({ offset: 2, lag: hw[p]! - 2, highWatermark: hw[p], logStartOffset: 0 });
    expect(offsets.find((o) => o.partition === other)).toMatchObject({ offset: null, metadata: null, lag: hw[other] });
  });

  it('returns no offsets for a group that does not exist', async () => {
    const { groups } = await fixture();

    expect(await groups.fetchOffsets('never-seen')).toEqual({ offsets: [] });
  });
});

describe('resetOffsets', () => {
  async function emptyGroupAt(offsets: [number, number]) {
    const f = await fixture([5, 3]);
    await f.groups.commit(f.g, { offsets: offsets.map((offset, partition) => ({ topic: f.t, partition, offset })) });
    return f;
  }

  it('to earliest', async () => {
    const f = await emptyGroupAt([4, 2]);

    await f.groups.resetOffsets(f.g, { topic: f.t, to: { earliest: true } });

    expect(await committed(f)).toEqual([0, 0]);
  });

  it('to latest', async () => {
    const f = await emptyGroupAt([1, 1]);

    await f.groups.resetOffsets(f.g, { topic: f.t, to: { latest: true } });

    expect(await committed(f)).toEqual([5, 3]);
  });

  it('to a datetime: the first offset with a timestamp at or after it', async () => {
    const f = await emptyGroupAt([0, 0]);

    await f.groups.resetOffsets(f.g, { topic: f.t, to: { datetime: 2500 } });

    expect(await committed(f)).toEqual([2, 2]);
  });

  it('to an offset, clamped into [log start, high watermark], for chosen partitions only', async () => {
    const f = await emptyGroupAt([1, 1]);

    await f.groups.resetOffsets(f.g, { topic: f.t, to: { offset: 4 }, partitions: [1] });

    expect(await committed(f)).toEqual([1, 3]);
  });

  it('shifted by n from the committed offset, clamped, backwards too', async () => {
    const f = await emptyGroupAt([4, 2]);

    await f.groups.resetOffsets(f.g, { topic: f.t, to: { shiftBy: -3 } });
    expect(await committed(f)).toEqual([1, 0]);
    await f.groups.resetOffsets(f.g, { topic: f.t, to: { shiftBy: 2 } });
    expect(await committed(f)).toEqual([3, 2]);
  });

  it('is refused with NON_EMPTY_GROUP while the group has members', async () => {
    const { t, g, groups } = await twoMembers();

    await expect(groups.resetOffsets(g, { topic: t, to: { earliest: true } })).rejects.toMatchObject({
      code: 'NON_EMPTY_GROUP',
      status: 409,
    });
    expect(await committed({ groups, g })).toEqual([null, null]);
  });

  it('is allowed once the members have expired', async () => {
    const { t, g, groups, c } = await twoMembers();
    c.advance(45_000);

    await groups.resetOffsets(g, { topic: t, to: { latest: true } });

    expect(await committed({ groups, g })).toEqual([5, 3]);
  });
});

describe('administration', () => {
  it('describes state, generation, members with assignments, and offsets with lag', async () => {
    const { t, g, groups, a, b } = await twoMembers();

    const d = await groups.describe(g);

    expect(d).toMatchObject({ group: g, state: 'Stable' });
    expect(d.generation).toBeGreaterThanOrEqual(Math.max(a.generation, b.generation));
    const byId = (x: unknown[], y: unknown[]) => ((x[0] as string) < (y[0] as string) ? -1 : 1);
    expect(d.members.map((m) => [m.memberId, m.assignment, m.topics, m.sessionTimeoutMs]).sort(byId)).toEqual(
      [
        [a.memberId, [{ topic: t, partitions: a.partitions(t) }], [t], 45_000],
        [b.memberId, [{ topic: t, partitions: b.partitions(t) }], [t], 45_000],
      ].sort(byId),
    );
    expect(d.offsets.map((o) => o.lag)).toEqual([5, 3]);
  });

  it('describes a group whose members all expired as Empty', async () => {
    const { g, groups, c } = await twoMembers();
    c.advance(45_000);

    expect(await groups.describe(g)).toMatchObject({ state: 'Empty', members: [] });
  });

  it('describe of an unknown group is GROUP_ID_NOT_FOUND', async () => {
    const { groups } = await fixture();

    await expect(groups.describe('no-such-group')).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND', status: 404 });
  });

  it('lists groups with state and live member count', async () => {
    const { g, groups } = await twoMembers();
    const other = await fixture();
    await other.groups.commit(other.g, { offsets: [{ topic: other.t, partition: 0, offset: 1 }] });

    const listed = await groups.list();

    expect(listed.find((x) => x.group === g)).toMatchObject({ state: 'Stable', members: 2 });
    expect(listed.find((x) => x.group === other.g)).toMatchObject({ state: 'Empty', members: 0 });
  });

  it('delete is refused with NON_EMPTY_GROUP while the group has members', async () => {
    const { g, groups } = await twoMembers();

    await expect(groups.delete(g)).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP', status: 409 });
    expect((await groups.describe(g)).members).toHaveLength(2);
  });

  it('delete removes an empty group and its offsets', async () => {
    const { t, g, groups, a, b } = await twoMembers();
    await commitOf(a, t, a.partitions(t)[0]!, 1);
    await groups.leave(g, a.memberId);
    await groups.leave(g, b.memberId);

    await groups.delete(g);

    await expect(groups.describe(g)).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND' });
    expect((await groups.list()).some((x) => x.group === g)).toBe(false);
    expect(await groups.fetchOffsets(g)).toEqual({ offsets: [] });
  });

  it('delete of an unknown group is GROUP_ID_NOT_FOUND', async () => {
    const { groups } = await fixture();

    await expect(groups.delete('no-such-group')).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND', status: 404 });
  });

  it('rejects illegal group ids with INVALID_GROUP_ID', async () => {
    const { t, groups } = await fixture();

    await expect(groups.join('has space', { topics: [t] })).rejects.toMatchObject({ code: 'INVALID_GROUP_ID', status: 400 });
  });
});
