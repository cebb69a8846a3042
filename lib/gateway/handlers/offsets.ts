// OffsetCommit, OffsetFetch and OffsetDelete. Offsets are lib/groups' committed offsets,
// the same items the HTTP API reads and writes: a group has one set of offsets whichever
// protocol its consumers speak.
//
// Who may commit: a classic member at the group's generation (fenced on the classic
// item), a member of lib/groups' server-side group at its epoch (KIP-848 consumers), or
// anyone with generation -1 while the group has no members at all (admin tools,
// consumers that assign partitions themselves). As in Kafka, a commit sets the offset it
// is given, lower or higher than the stored one (-2 and -1 mean the log start and end).
import { GroupIdNotFoundError, isSluiceError } from '../../core/errors.ts';
import type { OffsetCommit } from '../../groups/index.ts';
import { deleteOffsets, readOffsets, type StoredOffset } from '../../groups/offsetStore.ts';
import { readGroup } from '../../groups/store.ts';
import { subscribedTopics } from '../groups/consumer-protocol.ts';
import { memberOf } from '../groups/state.ts';
import { E, errorCodeOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, RequestContext } from '../server/context.ts';

async function commit(ctx: RequestContext, req: Message, offsets: OffsetCommit[]): Promise<void> {
  const { classic, groups } = ctx.services;
  const group = req.groupId as string;
  const generation = req.generationIdOrMemberEpoch as number;
  const memberId = req.memberId as string;
  if (generation < 0 && memberId === '') {
    await groups.commit(group, { offsets }, { fence: classic.emptyFence(group), allowBackwards: true });
    return;
  }
  if (memberOf(await classic.read(group), memberId)) {
    await groups.commit(group, { offsets }, { fence: classic.memberFence(group, memberId, generation), allowBackwards: true });
    return;
  }
  await groups.commit(group, { memberId, generation, offsets }, { allowBackwards: true });
}

/**
 * Kafka stores whatever offset it is given; tools commit -2 and -1 to mean "the start"
 * and "the end" (kafkajs' resetOffsets does). Sluice's offsets are positions, so those
 * two are resolved to the log start and the high watermark now.
 */
async function resolveMarkers(ctx: RequestContext, offsets: OffsetCommit[]): Promise<OffsetCommit[]> {
  return Promise.all(
    offsets.map(async (o) => {
      if (o.offset !== -1 && o.offset !== -2) return o;
      const at = o.offset === -2 ? 'earliest' : 'latest';
      return { ...o, offset: await ctx.services.log.listOffsets(o.topic, o.partition, at) };
    }),
  );
}

export const handleOffsetCommit: Handler = async (ctx, req) => {
  const topics = req.topics as Message[];
  const offsets: OffsetCommit[] = topics.flatMap((t) =>
    (t.partitions as Message[]).map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      offset: p.committedOffset,
      ...(p.committedMetadata !== null ? { metadata: p.committedMetadata } : {}),
    })),
  );
  let errorCode: number = E.NONE;
  try {
    await commit(ctx, req, await resolveMarkers(ctx, offsets));
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    errorCode = err.code === 'INVALID_REQUEST' && /metadata/.test(err.message) ? E.OFFSET_METADATA_TOO_LARGE : errorCodeOf(err);
  }
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({ name: t.name, partitions: (t.partitions as Message[]).map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
};

/** Stored offsets of the group, keyed topic -> partition, only for the topic ids that live now. */
async function liveOffsets(ctx: RequestContext, group: string): Promise<Map<string, Map<number, StoredOffset>>> {
  const stored = await readOffsets(ctx.services.log.clients, group);
  const ids = new Map<string, string | undefined>();
  for (const name of new Set(stored.map((o) => o.topic))) {
    ids.set(name, await ctx.services.log.topics.require(name).then((t) => t.topicId, () => undefined));
  }
  const out = new Map<string, Map<number, StoredOffset>>();
  for (const o of stored) {
    if (ids.get(o.topic) !== o.topicId) continue;
    let m = out.get(o.topic);
    if (!m) out.set(o.topic, (m = new Map()));
    m.set(o.partition, o);
  }
  return out;
}

async function fetchGroup(ctx: RequestContext, group: string, topics: Message[] | null): Promise<{ errorCode: number; topics: Message[] }> {
  try {
    const live = await liveOffsets(ctx, group);
    const wanted = topics ?? [...live.entries()].map(([name, m]) => ({ name, partitionIndexes: [...m.keys()] }));
    return {
      errorCode: E.NONE,
      topics: wanted.map((t) => ({
        name: t.name,
        partitions: (t.partitionIndexes as number[]).map((p) => {
          const o = live.get(t.name)?.get(p);
          return { partitionIndex: p, committedOffset: o?.offset ?? -1, committedLeaderEpoch: -1, metadata: o?.metadata ?? '', errorCode: E.NONE };
        }),
      })),
    };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return { errorCode: errorCodeOf(err), topics: [] };
  }
}

export const handleOffsetFetch: Handler = async (ctx, req) => {
  if (ctx.apiVersion >= 8) {
    const groups = await Promise.all(
      (req.groups as Message[]).map(async (g) => ({ groupId: g.groupId, ...(await fetchGroup(ctx, g.groupId, g.topics)) })),
    );
    return { throttleTimeMs: 0, groups };
  }
  const one = await fetchGroup(ctx, req.groupId, req.topics);
  return { throttleTimeMs: 0, topics: one.topics, errorCode: one.errorCode };
};

/** Topics the group's live members consume, whichever protocol they speak. */
async function consumedTopics(ctx: RequestContext, group: string): Promise<Set<string>> {
  const classic = await ctx.services.classic.read(group);
  const topics = new Set<string>();
  for (const m of classic?.members ?? []) {
    for (const p of m.protocols) for (const t of subscribedTopics(Buffer.from(p.metadata, 'base64'))) topics.add(t);
  }
  const rec = await readGroup(ctx.services.log.clients, group);
  const now = ctx.services.now();
  for (const m of Object.values(rec?.members ?? {})) if (m.expiresAt > now) for (const t of m.topics) topics.add(t);
  return topics;
}

export const handleOffsetDelete: Handler = async (ctx, req) => {
  const group = req.groupId as string;
  const topics = req.topics as Message[];
  const failed = (errorCode: number) => ({ errorCode, throttleTimeMs: 0, topics: [] });
  try {
    const stored = await readOffsets(ctx.services.log.clients, group);
    const exists = stored.length > 0 || (await ctx.services.classic.read(group)) || (await readGroup(ctx.services.log.clients, group));
    if (!exists) return failed(errorCodeOf(new GroupIdNotFoundError(`Group '${group}' does not exist.`)));
    const consumed = await consumedTopics(ctx, group);
    const doomed: StoredOffset[] = [];
    const answer = topics.map((t) => ({
      name: t.name,
      partitions: (t.partitions as Message[]).map((p) => {
        if (consumed.has(t.name)) return { partitionIndex: p.partitionIndex, errorCode: E.GROUP_SUBSCRIBED_TO_TOPIC };
        const o = stored.find((s) => s.topic === t.name && s.partition === p.partitionIndex);
        if (o) doomed.push(o);
        return { partitionIndex: p.partitionIndex, errorCode: E.NONE };
      }),
    }));
    await deleteOffsets(ctx.services.log.clients, group, doomed);
    return { errorCode: E.NONE, throttleTimeMs: 0, topics: answer };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return failed(errorCodeOf(err));
  }
};
