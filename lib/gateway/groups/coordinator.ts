// The classic group coordinator, stateless: every node can serve every group because the
// state is one DynamoDB item (store.ts) changed only by optimistic conditional writes
// (read consistently, apply a state.ts transition, write IF version unchanged; on a lost
// race, back off and recompute). The join/sync barrier is a wait on that item: a member
// in JoinGroup waits until its rebalance completes, a follower in SyncGroup until the
// leader's assignment is stored. Writes made on this node wake its waiters at once; a
// change made on another node is seen by polling, 20 ms growing to 200 ms. Whichever
// call first sees a rebalance ready (everyone rejoined, or the deadline passed) or a
// session expired makes that transition, so a node dying mid-rebalance stalls nothing.
//
// Bounds, as lib/groups has them for its own item: a join that would leave the item over
// MAX_GROUP_JOIN_BYTES is refused with GROUP_MAX_SIZE_REACHED, and any write that would
// pass DynamoDB's 400 KB (a leader's assignments) with the same error instead of failing
// in DynamoDB; nothing is written either way.
import {
  GroupMaxSizeReachedError, IllegalGenerationError, RebalanceInProgressError, RequestTimedOutError, UnknownMemberIdError, type SluiceError,
} from '../../core/errors.ts';
import { fullJitter, sleep } from '../../core/time.ts';
import { MAX_GROUP_JOIN_BYTES, type ExternalFence } from '../../groups/index.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { readGroup } from '../../groups/store.ts';
import { MAX_ITEM_BYTES } from '../../storage/itemSize.ts';
import { E } from '../protocol/errors.ts';
import {
  applyAssignments, completeJoin, expireMembers, join, memberOf, newClassicGroup, newMemberId, readyToComplete, rejoin, removeMembers,
  type ClassicGroup, type JoinInput,
} from './state.ts';
import {
  classicItemBytes, consumerGroupEmptyCheck, emptyCommitChecks, memberCommitCheck, readClassic, touchClassicMember, writeClassic,
} from './store.ts';

export const SESSION_TIMEOUT_MS = { min: 1_000, max: 1_800_000 } as const;
const MAX_ATTEMPTS = 50;

export type JoinOutcome =
  | { errorCode: number; memberId: string }
  | { errorCode: 0; group: ClassicGroup; memberId: string };

export interface ClassicGroupsOptions {
  now?: () => number;
}

export class ClassicGroups {
  private readonly now: () => number;
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    readonly clients: StorageClients,
    opts: ClassicGroupsOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  read(groupId: string): Promise<ClassicGroup | undefined> {
    return readClassic(this.clients, groupId);
  }

  /**
   * JoinGroup. An empty member id gets one; with `requireKnownMemberId` (v4+) it is only
   * handed back with MEMBER_ID_REQUIRED, and the client joins again with it (KIP-394).
   */
  async join(input: JoinInput & { groupId: string }, requireKnownMemberId: boolean, signal?: AbortSignal): Promise<JoinOutcome> {
    if (input.sessionTimeoutMs < SESSION_TIMEOUT_MS.min || input.sessionTimeoutMs > SESSION_TIMEOUT_MS.max) {
      return { errorCode: E.INVALID_SESSION_TIMEOUT, memberId: input.memberId };
    }
    if (await this.hasConsumerMembers(input.groupId)) return { errorCode: E.INCONSISTENT_GROUP_PROTOCOL, memberId: input.memberId };
    const memberId = input.memberId || newMemberId(input.clientId);
    if (!input.memberId && requireKnownMemberId) return { errorCode: E.MEMBER_ID_REQUIRED, memberId };

    const before = await this.update<number | { generation: number }>(input.groupId, (g, now) => {
      g ??= newClassicGroup(input.groupId);
      expireMembers(g, now);
      const generation = g.generation;
      if (!join(g, { ...input, memberId }, now)) return { g, write: false, result: E.INCONSISTENT_GROUP_PROTOCOL };
      if (readyToComplete(g, now)) completeJoin(g, now);
      if (classicItemBytes(g, now) > MAX_GROUP_JOIN_BYTES) return { g, write: false, result: E.GROUP_MAX_SIZE_REACHED };
      return { g, write: true, result: { generation } };
    });
    if (typeof before === 'number') return { errorCode: before, memberId };

    const deadline = this.now() + input.rebalanceTimeoutMs + input.sessionTimeoutMs;
    for (let wait = 20; ; wait = Math.min(200, wait * 2)) {
      const g = await this.tick(input.groupId, memberId);
      if (!memberOf(g, memberId)) return { errorCode: E.UNKNOWN_MEMBER_ID, memberId };
      if (g!.generation > before.generation && (g!.state === 'CompletingRebalance' || g!.state === 'Stable')) {
        return { errorCode: 0, group: g!, memberId };
      }
      // Past the deadline, or nobody left to answer (the connection closed): stop waiting.
      if (this.now() >= deadline || signal?.aborted) return { errorCode: E.REBALANCE_IN_PROGRESS, memberId };
      await this.changeOrTimeout(input.groupId, wait);
    }
  }

  /** SyncGroup: the leader stores the assignments; everyone gets theirs once stored. */
  async sync(
    groupId: string,
    memberId: string,
    generation: number,
    assignments: Map<string, string>,
    signal?: AbortSignal,
  ): Promise<{ errorCode: number; assignment: string; group?: ClassicGroup }> {
    const verdict = await this.update(groupId, (g, now) => {
      if (g && expireMembers(g, now)) return { g, write: true, result: E.REBALANCE_IN_PROGRESS };
      const m = memberOf(g, memberId);
      if (!m) return { g, write: false, result: E.UNKNOWN_MEMBER_ID };
      if (g!.generation !== generation) return { g, write: false, result: E.ILLEGAL_GENERATION };
      if (g!.state === 'PreparingRebalance') return { g, write: false, result: E.REBALANCE_IN_PROGRESS };
      if (g!.state === 'CompletingRebalance' && g!.leader === memberId) {
        applyAssignments(g!, assignments);
        return { g, write: true, result: E.NONE };
      }
      return { g, write: false, result: E.NONE };
    });
    if (verdict !== E.NONE) return { errorCode: verdict, assignment: '' };

    for (let wait = 20; ; wait = Math.min(200, wait * 2)) {
      const g = await this.tick(groupId, undefined);
      const m = memberOf(g, memberId);
      if (!m) return { errorCode: E.UNKNOWN_MEMBER_ID, assignment: '' };
      if (g!.generation !== generation || g!.state === 'PreparingRebalance') return { errorCode: E.REBALANCE_IN_PROGRESS, assignment: '' };
      if (g!.state === 'Stable') return { errorCode: E.NONE, assignment: m.assignment, group: g! };
      if (signal?.aborted) return { errorCode: E.REBALANCE_IN_PROGRESS, assignment: '' };
      await this.changeOrTimeout(groupId, wait);
    }
  }

  /** Heartbeat: renews the session; tells the member when it must rejoin. */
  async heartbeat(groupId: string, memberId: string, generation: number): Promise<number> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const g = await this.tick(groupId, undefined);
      const m = memberOf(g, memberId);
      if (!m) return E.UNKNOWN_MEMBER_ID;
      if (g!.generation !== generation) return g!.state === 'PreparingRebalance' ? E.REBALANCE_IN_PROGRESS : E.ILLEGAL_GENERATION;
      const lease = Math.max(m.expiresAt, this.now() + m.sessionTimeoutMs);
      if (!(await touchClassicMember(this.clients, groupId, memberId, generation, lease))) continue;
      return g!.state === 'PreparingRebalance' ? E.REBALANCE_IN_PROGRESS : E.NONE;
    }
    throw this.exhausted(groupId);
  }

  /** LeaveGroup for one or more members; per member: NONE or UNKNOWN_MEMBER_ID. */
  async leave(groupId: string, memberIds: string[]): Promise<number[]> {
    return this.update(groupId, (g, now) => {
      const codes = memberIds.map((id) => (memberOf(g, id) ? E.NONE : E.UNKNOWN_MEMBER_ID));
      const known = memberIds.filter((_, i) => codes[i] === E.NONE);
      if (!g || known.length === 0) return { g, write: false, result: codes };
      removeMembers(g, known, now);
      return { g, write: true, result: codes };
    });
  }

  /** The fence for a classic member's offset commit. */
  memberFence(groupId: string, memberId: string, generation: number): ExternalFence {
    return {
      checks: [memberCommitCheck(this.clients, groupId, memberId, generation), consumerGroupEmptyCheck(this.clients, groupId)],
      explain: async () => {
        const g = await readClassic(this.clients, groupId);
        if (!memberOf(g, memberId)) return unknownMember(memberId);
        if (g!.generation !== generation) {
          return new IllegalGenerationError(`Generation ${generation} is not the group's generation ${g!.generation}.`, { memberId, generation: g!.generation });
        }
        if (g!.state === 'CompletingRebalance') return new RebalanceInProgressError(`Group '${groupId}' is rebalancing.`);
        if (await this.hasConsumerMembers(groupId)) return unknownMember(memberId);
        return undefined;
      },
    };
  }

  /** The fence for commits from outside any membership (generation -1): the group must be empty. */
  emptyFence(groupId: string): ExternalFence {
    return {
      checks: emptyCommitChecks(this.clients, groupId),
      explain: async () => {
        const g = await readClassic(this.clients, groupId);
        if ((g?.members.length ?? 0) > 0 || (await this.hasConsumerMembers(groupId))) {
          return new UnknownMemberIdError(`Group '${groupId}' has members; only a member can commit its offsets.`);
        }
        return undefined;
      },
    };
  }

  /** Whether lib/groups' own membership item (HTTP API, KIP-848 members) has live members. */
  async hasConsumerMembers(groupId: string): Promise<boolean> {
    const rec = await readGroup(this.clients, groupId);
    const now = this.now();
    return !!rec && Object.values(rec.members).some((m) => m.expiresAt > now);
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * Reads the group and makes the transitions that are due: expired sessions, a
   * rebalance ready to complete, and `rejoining`'s pending join counting in a new round.
   */
  private tick(groupId: string, rejoining: string | undefined): Promise<ClassicGroup | undefined> {
    return this.update(groupId, (g, now) => {
      if (!g) return { g, write: false, result: g };
      let changed = expireMembers(g, now);
      if (rejoining) changed = rejoin(g, rejoining, now) || changed;
      if (readyToComplete(g, now)) {
        completeJoin(g, now);
        changed = true;
      }
      return { g, write: changed, result: g };
    });
  }

  private async update<T>(
    groupId: string,
    fn: (g: ClassicGroup | undefined, now: number) => { g: ClassicGroup | undefined; write: boolean; result: T },
  ): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: 5, maxMs: 200 }));
      const read = await readClassic(this.clients, groupId);
      const now = this.now();
      const out = fn(read, now);
      if (out.write && out.g) {
        const bytes = classicItemBytes(out.g, now);
        if (bytes > MAX_ITEM_BYTES) throw groupTooLarge(groupId, bytes);
        if (!(await writeClassic(this.clients, out.g, now))) continue;
        out.g.version++;
        this.wake(groupId);
      }
      return out.result;
    }
    throw this.exhausted(groupId);
  }

  private wake(groupId: string): void {
    for (const w of [...(this.waiters.get(groupId) ?? [])]) w();
  }

  private changeOrTimeout(groupId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(groupId);
      if (!set) this.waiters.set(groupId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set!.delete(done);
        if (set!.size === 0) this.waiters.delete(groupId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private exhausted(groupId: string): SluiceError {
    return new RequestTimedOutError(`Group '${groupId}' is too contended; try again.`, { dependency: 'dynamodb', retryAfterSeconds: 1 });
  }
}


const groupTooLarge = (groupId: string, bytes: number) =>
  new GroupMaxSizeReachedError(
    `Group '${groupId}' cannot take this: its state would take ${bytes} bytes, over DynamoDB's item limit of ${MAX_ITEM_BYTES} bytes ` +
      '(members times their protocol metadata and assignments). Use fewer members or smaller assignments, or spread the consumers over several groups.',
    { group: groupId, limit: MAX_ITEM_BYTES, bytes },
  );

const unknownMember = (memberId: string) =>
  new UnknownMemberIdError(`Member '${memberId}' is not a member of the group (it left, or its session expired).`, { memberId });
