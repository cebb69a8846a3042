// Crash plumbing of the change-data-capture sources run by the source runtime: a fresh
// runtime per restart (its own runner, task and source, over the same storage, as a new
// Lambda), crashed at one step of one run:
//
//   during-poll           the upstream read is sent, its answer lost (the runner dies
//                         holding what it read: SQS messages stay invisible)
//   before-commit         polled, nothing committed
//   refused-commit        the records are uploaded, the transaction refused
//   lost-answer           the transaction lands, its answer is lost; the commit resends
//   lost-answer-and-die   the transaction lands, the runner dies with its answer
//   before-ack            committed, the connector's commit hook (ack) never runs
//   during-ack            the ack's first upstream write is sent, then the runner dies
//
// A crash is an exception thrown where the process would stop; the run ends there and
// the next runtime polls from what is committed. Faults are injected per AWS SDK command
// (test/support injectFault), on the storage clients and on the connector's own clients.
import { expect } from 'vitest';
import type { SourceRecord } from '../../../../lib/connect/cdc/source.ts';
import type { ConnectorPlugin } from '../../../../lib/connect/connectors/plugin.ts';
import { PluginRegistry } from '../../../../lib/connect/plugins/registry.ts';
import { createConnectRuntime, transactionalCommitter, type ConnectRuntime, type SourceCommitter, type SourceRunReport } from '../../../../lib/connect/runtime/index.ts';
import { ConnectorService } from '../../../../lib/connect/service.ts';
import { readTaskStatuses, requireConnectorRecord } from '../../../../lib/connect/store.ts';
import { ConcurrentModificationError, UnknownTopicOrPartitionError } from '../../../../lib/core/errors.ts';
import { Log } from '../../../../lib/log/index.ts';
import { createStorageClients, type StorageClients, type StorageConfig } from '../../../../lib/storage/clients.ts';
import { injectFault } from '../../../support/log.ts';
import { readAll } from '../harness.ts';

export type Crash = 'during-poll' | 'before-commit' | 'refused-commit' | 'lost-answer' | 'lost-answer-and-die' | 'before-ack' | 'during-ack';

// A dying process is a definite failure to the caller ($fault client): nothing is retried
// in that call. A lost answer is ambiguous (a reset connection): the caller may resend.
const crashed = () => Object.assign(new Error('injected crash'), { name: 'InjectedCrash', $fault: 'client' });
const lostAnswer = () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });

type SdkClient = { middlewareStack: unknown };

/** The upstream commands a connector's poll and ack send (by name, e.g. 'GetRecords'), on its own clients. */
export interface Upstream {
  clients?: SdkClient[];
  read?: string;
  /** None for a source that acknowledges nothing upstream. */
  ack?: string;
}

export interface CrashRig {
  clients: StorageClients;
  /** Faults armed and not yet met, on storage and upstream clients. */
  readonly pending: number;
  service: ConnectorService;
  /** A fresh runtime that crashes as `crash` says, once; `now`/`leaseMs` for runners whose leases expire. */
  restart(crash?: Crash, opts?: { now?: () => number; leaseMs?: number }): ConnectRuntime;
  /** Runs of two fresh runtimes at once on task 0 whose leases expire at once: each may take the task from the other; a loser ends retriably. */
  race(connector: string): Promise<void>;
  /** A topic as a consumer reads it, key and value through `decode` (JSON by default). */
  topic(name: string, decode?: (b: Buffer) => unknown): Promise<(Omit<SourceRecord, 'headers'> & { headers: { key: string; value: string | null }[] })[]>;
  stop(): Promise<void>;
}

/** Storage clients of the rig's own (faults injected) over `config`; `plugins` the connectors it runs. */
export function crashRig(config: StorageConfig, plugins: ConnectorPlugin[], upstream: Upstream = {}, opts: { maxPolls?: number } = {}): CrashRig {
  const clients = createStorageClients(config);
  const registry = new PluginRegistry({ deployed: false, plugins });
  const runtimes: ConnectRuntime[] = [];
  let pending = 0;

  /** One fault, once, on `command` of `targets`: sent first (`after`) or not, then `error`. */
  const fault = (targets: SdkClient[], command: string | undefined, when: 'before' | 'after', error: () => Error): void => {
    if (!command || !targets.length) throw new Error(`no ${command ?? 'upstream'} command to crash in`);
    pending++;
    const removers: (() => void)[] = [];
    const fire = () => {
      pending--;
      for (const remove of removers) remove();
      return error();
    };
    for (const client of targets) removers.push(injectFault(client, command, when, { times: 1, error: fire }));
  };

  const arm = (crash: Crash | undefined): void => {
    const up = upstream.clients ?? [];
    if (crash === 'during-poll') fault(up, upstream.read, 'after', lostAnswer);
    if (crash === 'refused-commit') fault([clients.ddb], 'TransactWriteItems', 'before', crashed);
    if (crash === 'lost-answer') fault([clients.ddb], 'TransactWriteItems', 'after', lostAnswer);
    if (crash === 'lost-answer-and-die') fault([clients.ddb], 'TransactWriteItems', 'after', crashed);
    if (crash === 'during-ack') fault(up, upstream.ack, 'after', crashed);
  };

  const restart: CrashRig['restart'] = (crash, o = {}) => {
    arm(crash);
    const log = new Log(clients);
    const real = transactionalCommitter({ log, clients });
    let armed = crash === 'before-commit' || crash === 'before-ack';
    const committer: SourceCommitter = {
      async commit(c) {
        if (armed && crash === 'before-commit') {
          armed = false;
          throw crashed();
        }
        await real.commit(c);
        if (armed && crash === 'before-ack') {
          armed = false;
          throw crashed();
        }
      },
    };
    const runtime = createConnectRuntime(log, { registry, sources: { committer, maxPolls: opts.maxPolls ?? 2, ...o } });
    runtimes.push(runtime);
    return runtime;
  };

  return {
    clients,
    get pending() {
      return pending;
    },
    service: new ConnectorService(clients, registry),
    restart,
    async race(connector) {
      const r = await requireConnectorRecord(clients, connector);
      const now = Date.now() * 1000;
      const runs = [restart(undefined, { now: () => now, leaseMs: -1 }), restart(undefined, { now: () => now, leaseMs: -1 })].map((rt) => rt.sources.run(r));
      // A loser commits nothing (its conditions fail), or ends retriably (the upstream busy
      // with the winner, e.g. a replication slot another session holds): the next run
      // polls again from the committed offsets.
      for (const res of await Promise.allSettled(runs)) {
        if (res.status === 'rejected' && !(res.reason instanceof ConcurrentModificationError)) expect(res.reason).toMatchObject({ retriable: true });
        // Losing a race never fails the task (its status says why if it did).
        if (res.status === 'fulfilled' && res.value.state === 'failed') expect(res.value.state, JSON.stringify(await readTaskStatuses(clients, connector))).not.toBe('failed');
      }
    },
    async topic(name, decode = (b) => JSON.parse(b.toString())) {
      // Before the first commit the runtime has not created the topic yet.
      const read = await readAll(new Log(clients), name).catch((err: unknown) => {
        if (err instanceof UnknownTopicOrPartitionError) return [];
        throw err;
      });
      return read.map((r) => ({
        topic: name,
        key: r.key === null ? null : (decode(r.key) as SourceRecord['key']),
        value: r.value === null ? null : (decode(r.value) as SourceRecord['value']),
        headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString() })),
      }));
    },
    stop: async () => {
      await Promise.all(runtimes.map((r) => r.stop()));
    },
  };
}

/**
 * What a run ends in: a crashed runner gave up its run (a lost answer is resent, no
 * crash); the crash really happened (its fault was met).
 */
export function expectRun(rig: CrashRig, report: SourceRunReport | undefined, crash: Crash | undefined): void {
  expect(report?.state).toEqual(crash && crash !== 'lost-answer' ? 'retry' : expect.stringMatching(/^(idle|budget)$/));
  expect(rig.pending).toBe(0);
}
