// Sources that are PAUSED or STOPPED run no task, but may hold something upstream that
// grows while nobody reads it (a PostgreSQL replication slot pins the WAL from its
// position on). On the runtime's schedule, at most every `intervalMs` per connector, such
// a connector's keep() hook checks it with the committed offsets and nothing else; a
// keep that throws (the slot was dropped past its limit, so the position is lost) fails
// the connector's task with that error, as a poll would, so status shows why.
import type { SourceMap } from '../data/record.ts';
import { partitionKey } from '../tasks/source.ts';
import { putTaskStatus, readSourceOffsets, readFailedTasks, type ConnectorRecord } from '../store.ts';
import type { ConnectRuntimeDeps } from './tasks.ts';

const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class IdleSourceKeeper {
  /** When each connector (at which version of its definition) was last kept. */
  private readonly last = new Map<string, { at: number; version: number }>();

  constructor(
    private readonly deps: ConnectRuntimeDeps,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Runs the keep hook of an idle source if it is due (or its definition changed); answers whether it ran. */
  async keep(r: ConnectorRecord): Promise<boolean> {
    const last = this.last.get(r.name);
    if (last && last.version === r.version && this.now() - last.at < this.intervalMs) return false;
    const connector = (await this.deps.registry.resolve(r.config['connector.class'] ?? '')).connector;
    if (connector.type !== 'source' || !connector.keep) return false;
    if ((await readFailedTasks(this.deps.clients, r.name)).size > 0) return false;
    this.last.set(r.name, { at: this.now(), version: r.version });
    const offsets = new Map((await readSourceOffsets(this.deps.clients, r.name)).map((o) => [partitionKey(o.partition), o.offset]));
    try {
      await connector.keep({ name: r.name, props: r.config, offsets: { get: (p: SourceMap) => offsets.get(partitionKey(p)) ?? null }, logger: this.deps.logger ?? SILENT });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const trace = `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
      await putTaskStatus(this.deps.clients, r.name, { task: 0, state: 'FAILED', workerId: this.deps.workerId, trace, updatedAt: this.now() });
    }
    return true;
  }
}
