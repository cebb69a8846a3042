// Exactly-once source connectors: a custom source (defineSourceConnector) whose poll
// emits numbered records over two topics (one of them created by the runtime) with its
// source offset, run by the source runtime while it is crashed at every step of a commit:
// before the upload, between the upload and the transaction, with the transaction's
// answer lost (resent, or the runner dying with it), and after the commit before the
// connector's commit hook. A restart is a fresh runtime (new runner, new task) on the same
// storage. The checker reads every partition of both topics: every number exactly once,
// in order per partition. Two runners racing one task: one commits, the other nothing.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrentModificationError } from '../../../lib/core/errors.ts';
import { defineSourceConnector } from '../../../lib/connect/plugins/define.ts';
import { PluginRegistry } from '../../../lib/connect/plugins/registry.ts';
import { createConnectRuntime, transactionalCommitter, type ConnectRuntime, type SourceCommitter } from '../../../lib/connect/runtime/index.ts';
import { ConnectorService } from '../../../lib/connect/service.ts';
import { readSourceOffsets, requireConnectorRecord } from '../../../lib/connect/store.ts';
import { Log } from '../../../lib/log/index.ts';
import { createStorageClients, type StorageClients } from '../../../lib/storage/clients.ts';
import { useTestStorage } from '../../support/stack.ts';
import { readAll } from './harness.ts';

const storage = useTestStorage();
const PARTITION = { source: 'counter' };

/** What the counter's commit hook saw, and gates that hold a task's poll (by start order). */
const seen = { hooks: [] as number[], started: 0, gates: new Map<number, Promise<void>>() };

// Emits `batch` numbers per poll from the committed offset, evens to `${prefix}.even`
// (two partitions, by key) and odds to `${prefix}.odd` (created by the runtime), until
// `total`; then polls nothing.
const counter = defineSourceConnector<{ instance: number }>({
  configDef: {
    'topic.prefix': { type: 'STRING', importance: 'HIGH' },
    total: { type: 'INT', importance: 'HIGH' },
    batch: { type: 'INT', importance: 'HIGH', defaultValue: 7 },
  },
  start: () => ({ instance: seen.started++ }),
  poll: async ({ config, offsets, state }) => {
    await seen.gates.get(state.instance);
    const next = ((offsets.get(PARTITION)?.next as number | undefined) ?? 0);
    const end = Math.min(next + (config.batch as number), config.total as number);
    const records = [];
    for (let n = next; n < end; n++) {
      const topic = `${config['topic.prefix'] as string}.${n % 2 === 0 ? 'even' : 'odd'}`;
      records.push({ topic, key: String(n % 5), value: String(n), sourcePartition: PARTITION, sourceOffset: { next: n + 1 } });
    }
    return { records };
  },
  commit: ({ offsets }) => {
    seen.hooks.push((offsets.get(PARTITION)?.next as number | undefined) ?? 0);
  },
});

type Command = { constructor: { name: string }; input: Record<string, unknown> };
/** What an injected fault does to the command it matches: refuse it, or send it and lose the answer. */
type Fault = { when: (c: Command) => boolean; mode: 'refuse' | 'lose-answer' | 'lose-answer-and-die' };

// The process dying is a definite failure to the caller ($fault 'client'): nothing is
// retried in that call. A lost answer is ambiguous (no $fault): the commit resends.
const crash = () => Object.assign(new Error('injected crash'), { name: 'InjectedCrash', $fault: 'client' });
const lostAnswer = () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });

function faulty(clients: StorageClients, faults: Fault[]): void {
  for (const client of [clients.ddb, clients.s3] as unknown as { send: (c: Command, ...r: unknown[]) => Promise<unknown> }[]) {
    const send = client.send.bind(client);
    client.send = async (command: Command, ...rest: unknown[]) => {
      const i = faults.findIndex((f) => f.when(command));
      if (i < 0) return send(command, ...rest);
      const [fault] = faults.splice(i, 1);
      if (fault!.mode === 'refuse') throw crash();
      await send(command, ...rest);
      throw fault!.mode === 'lose-answer' ? lostAnswer() : crash();
    };
  }
}

let clients: StorageClients;
const faults: Fault[] = [];
const runtimes: ConnectRuntime[] = [];

beforeAll(() => {
  clients = createStorageClients(storage.config);
  faulty(clients, faults);
});

afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.stop()));
});

const registry = () => new PluginRegistry({ deployed: false, plugins: [{ className: 'Counter', aliases: [], connector: counter }] });

/** A fresh runtime, as after a restart: its own runner (lease owner), task and log. */
function restart(opts: { committer?: (real: SourceCommitter) => SourceCommitter; now?: () => number; leaseMs?: number } = {}): ConnectRuntime {
  const log = new Log(clients);
  const real = transactionalCommitter({ log, clients });
  const runtime = createConnectRuntime(log, {
    registry: registry(),
    sources: { committer: opts.committer ? opts.committer(real) : real, maxPolls: 3, ...(opts.now ? { now: opts.now } : {}), ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}) },
  });
  runtimes.push(runtime);
  return runtime;
}

async function create(name: string, prefix: string, total: number, batch = 7): Promise<void> {
  const log = new Log(clients);
  await log.createTopic({ name: `${prefix}.even`, partitions: 2 });
  await new ConnectorService(clients, registry()).create({ name, config: { 'connector.class': 'Counter', 'topic.prefix': prefix, total: String(total), batch: String(batch), 'value.converter': 'string', 'key.converter': 'string' } });
}

/** Every number of both topics: each exactly once, increasing within each partition. */
async function expectEachOnce(prefix: string, total: number): Promise<void> {
  const log = new Log(clients);
  const all: number[] = [];
  for (const [topic, partitions] of [[`${prefix}.even`, 2], [`${prefix}.odd`, 1]] as const) {
    for (let p = 0; p < partitions; p++) {
      const numbers = (await readAll(log, topic, p)).map((r) => Number(r.value!.toString()));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      all.push(...numbers);
    }
  }
  expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
}

const committedNext = async (name: string) => ((await readSourceOffsets(clients, name))[0]?.offset?.next as number | undefined) ?? 0;
const isTransaction = (c: Command) => c instanceof TransactWriteItemsCommand;
const isUpload = (c: Command) => c instanceof PutObjectCommand;

describe('exactly-once source connectors', () => {
  it('commit records and source offsets together: crashes at every step neither duplicate nor skip a record', async () => {
    await create('counter', 'count', 100);
    const steps: { fault?: Fault; afterCommit?: boolean }[] = [
      { fault: { when: isUpload, mode: 'refuse' } }, // before the upload
      {},
      { fault: { when: isTransaction, mode: 'refuse' } }, // uploaded, never committed
      { fault: { when: isTransaction, mode: 'lose-answer' } }, // committed, answer lost, resent
      { fault: { when: isTransaction, mode: 'lose-answer-and-die' } }, // committed, runner gone
      { afterCommit: true }, // committed, the hook never called
      {},
    ];
    for (const step of steps) {
      if (step.fault) faults.push(step.fault);
      let died = false;
      const runtime = restart({
        committer: (real) => ({
          commit: async (c) => {
            await real.commit(c);
            if (step.afterCommit && !died) {
              died = true;
              throw crash();
            }
          },
        }),
      });
      const before = await committedNext('counter');
      const hooks = seen.hooks.length;
      const [report] = await runtime.sources.runAll();
      const after = await committedNext('counter');
      if (step.fault?.mode === 'refuse' || step.fault?.mode === 'lose-answer-and-die' || step.afterCommit) {
        expect(report!.state).toBe('retry');
        expect(seen.hooks.length).toBe(hooks); // never told of a commit it did not see
      } else {
        expect(report!.state).toBe('budget');
        // The hook is told exactly what is committed, only after it is.
        expect(seen.hooks.slice(hooks)).toEqual([before + 7, before + 14, before + 21]);
      }
      expect(after - before).toBe(step.fault?.mode === 'refuse' ? 0 : step.afterCommit || step.fault?.mode === 'lose-answer-and-die' ? 7 : 21);
      expect(faults).toEqual([]);
    }
    while ((await restart().sources.runAll())[0]!.records > 0);
    await expectEachOnce('count', 100);
  });

  it('two runners racing one task: the one whose lease expired commits nothing', async () => {
    await create('race', 'race', 20, 5);
    let release!: () => void;
    const instance = seen.started;
    seen.gates.set(instance, new Promise<void>((r) => (release = r)));
    const slow = restart({ now: () => 1_000, leaseMs: 10 });
    const r = await requireConnectorRecord(clients, 'race');
    const slowRun = slow.sources.run(r);
    // The slow runner is inside its first poll; its lease runs out and another takes the task.
    while (seen.started === instance) await new Promise((res) => setImmediate(res));
    const fast = restart({ now: () => 5_000 });
    expect(await fast.sources.run(r)).toMatchObject({ state: 'budget', records: 15 });
    release();
    await expect(slowRun).rejects.toBeInstanceOf(ConcurrentModificationError);
    expect(await committedNext('race')).toBe(15);
    await restart().sources.run(r);
    await expectEachOnce('race', 20);
  });

  it('two runners at once on one task: whatever interleaving, each record once', async () => {
    await create('pair', 'pair', 40, 3);
    const r = await requireConnectorRecord(clients, 'pair');
    for (let i = 0; i < 6; i++) {
      // Leases that expire at once: each runner may take the task from the other mid-run.
      const results = await Promise.allSettled([restart({ now: () => 1e15 + i, leaseMs: -1 }), restart({ now: () => 1e15 + i, leaseMs: -1 })].map((rt) => rt.sources.run(r)));
      for (const res of results) if (res.status === 'rejected') expect(res.reason).toBeInstanceOf(ConcurrentModificationError);
    }
    while ((await restart().sources.run(r)).records > 0);
    await expectEachOnce('pair', 40);
  });
});
