// Processors (API.md "Processors"): stream processors with their position and lag per
// input partition, last errors and stores; interactive queries of a store by key (from
// any client: state lives in DynamoDB, so no request reaches a running instance); and
// reset (like kafka-streams-application-reset). Thin: one request per call.
import { KeyNotFoundError } from '../core/errors.ts';
import type { ProcessorDescription, ProcessorResetResult, ProcessorSummary } from '../core/wire.ts';
import { processorPath } from './paths.ts';
import type { JsonTransport } from './transport.ts';

export class Processors {
  constructor(private readonly http: JsonTransport) {}

  async list(): Promise<ProcessorSummary[]> {
    return (await this.http.json<{ processors: ProcessorSummary[] }>({ method: 'GET', path: processorPath() })).processors;
  }

  async describe(name: string): Promise<ProcessorDescription> {
    return this.http.json<ProcessorDescription>({ method: 'GET', path: processorPath(name) });
  }

  /** A key-value store's value for `key` (the key as text: a string, or a number for number keys); undefined when none. */
  async query(name: string, store: string, key: string): Promise<{ key: string; value: unknown } | undefined> {
    try {
      return await this.http.json<{ key: string; value: unknown }>({ method: 'GET', path: processorPath(name, `/stores/${encodeURIComponent(store)}/keys/${encodeURIComponent(key)}`) });
    } catch (err) {
      if (err instanceof KeyNotFoundError) return undefined;
      throw err;
    }
  }

  /** A window or session store's windows of `key` within [from, to] (epoch ms). */
  async windows(name: string, store: string, key: string, range: { from?: number; to?: number } = {}): Promise<Array<{ start: number; end: number; value: unknown }>> {
    const query: Record<string, number> = {};
    if (range.from !== undefined) query.from = range.from;
    if (range.to !== undefined) query.to = range.to;
    const path = processorPath(name, `/stores/${encodeURIComponent(store)}/keys/${encodeURIComponent(key)}/windows`);
    return (await this.http.json<{ windows: Array<{ start: number; end: number; value: unknown }> }>({ method: 'GET', path, query })).windows;
  }

  /**
   * Runs the topology module at `entry` (an absolute path, inside a directory the dev
   * server allows modules from) in the dev server, reloading it when the file changes.
   * Dev server only: deployed, processors are deployed with the platform.
   */
  async run(entry: string): Promise<ProcessorSummary> {
    return this.http.json<ProcessorSummary>({ method: 'POST', path: processorPath(), body: { entry } });
  }

  /** Stops the processor: no runtime runs it (across restarts) until start(). */
  async stop(name: string): Promise<ProcessorSummary> {
    return this.http.json<ProcessorSummary>({ method: 'PUT', path: processorPath(name, '/stop') });
  }

  /** Starts a stopped processor again from its committed positions. */
  async start(name: string): Promise<ProcessorSummary> {
    return this.http.json<ProcessorSummary>({ method: 'PUT', path: processorPath(name, '/start') });
  }

  /** Starts the processor over from its starting offsets with empty stores; meant for a stopped processor. */
  async reset(name: string): Promise<ProcessorResetResult> {
    return this.http.json<ProcessorResetResult>({ method: 'POST', path: processorPath(name, '/reset') });
  }
}
