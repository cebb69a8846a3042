// Processors over HTTP (API.md "Processors"): list, describe (position and lag per input
// partition, last errors, stores) and interactive queries of a store by key, served from
// the processors, state, topics and partitions tables alone (lib/streams/service.ts): no
// user code runs here and no request reaches the instance running the processor.
//
//   GET /v1/processors                                               → {"processors":[...]}
//   GET /v1/processors/{name}                                        → description
//   GET /v1/processors/{name}/stores/{store}/keys/{key}              → {"key","value"} | 404
//   GET /v1/processors/{name}/stores/{store}/keys/{key}/windows?from=&to=
//                                                                    → {"windows":[...]}
//   POST /v1/processors/{name}/reset                                 → reset summary
//   PUT /v1/processors/{name}/stop | /start                          → summary
//   POST /v1/processors {"entry"}                                    → 201 summary (dev server only)
//
// Names, store names and keys are checked by lib/streams/schema.ts (INVALID_REQUEST);
// an unknown processor is 404 UNKNOWN_PROCESSOR, an unknown store 404 UNKNOWN_STATE_STORE,
// a key without a value 404 KEY_NOT_FOUND.
import { InvalidRequestError, KeyNotFoundError } from '../../core/errors.ts';
import type { ProcessorSummary } from '../../core/wire.ts';
import type { TableClients } from '../../log/tablesFromEnv.ts';
import { Processors } from '../../streams/service.ts';
import type { ApiRequest } from '../http.ts';
import type { OperationContext, Operations } from '../operation.ts';
import { parseJsonBody, queryParams, requireJsonContentType } from '../validation.ts';

/** What the processor routes need of the log: the clients of its tables (a Log will do). */
export interface ProcessorsLog {
  readonly clients: TableClients;
}

const cache = new WeakMap<ProcessorsLog, Processors>();

async function processorsOf(ctx: OperationContext<ProcessorsLog>): Promise<Processors> {
  const log = await ctx.log();
  let processors = cache.get(log);
  if (!processors) {
    processors = new Processors(log.clients);
    cache.set(log, processors);
  }
  return processors;
}

const param = (req: ApiRequest, name: string): string => req.pathParameters[name] ?? '';

/** Who runs a topology module on `POST /v1/processors`: the dev server (lib/local/processors.ts). */
export interface ProcessorHost {
  run(entry: unknown): Promise<ProcessorSummary>;
}

/** The processor operations; with a host (the dev server), `POST /v1/processors` runs topology modules. */
export function processorOperationsFor(host?: ProcessorHost): Operations<ProcessorsLog> {
  return {
    ...baseOperations,
    runProcessor: async (req) => {
      queryParams(req, []);
      requireJsonContentType(req);
      const body = parseJsonBody(req);
      if (!host) {
        throw new InvalidRequestError('Processors run from a module only in the dev server (sluice processors run); deploy one with the platform (CDK addProcessor).', {});
      }
      const entry = typeof body === 'object' && body !== null ? (body as { entry?: unknown }).entry : undefined;
      return { status: 201, body: await host.run(entry) };
    },
  };
}

const stateChange = (stop: boolean) => async (req: ApiRequest, ctx: OperationContext<ProcessorsLog>) => {
  queryParams(req, []);
  const processors = await processorsOf(ctx);
  return { status: 200, body: stop ? await processors.stop(param(req, 'name')) : await processors.start(param(req, 'name')) };
};

const baseOperations: Operations<ProcessorsLog> = {
  stopProcessor: stateChange(true),
  startProcessor: stateChange(false),

  listProcessors: async (req, ctx) => {
    queryParams(req, []);
    return { status: 200, body: { processors: await (await processorsOf(ctx)).list() } };
  },

  describeProcessor: async (req, ctx) => {
    queryParams(req, []);
    return { status: 200, body: await (await processorsOf(ctx)).describe(param(req, 'name')) };
  },

  queryProcessorStore: async (req, ctx) => {
    queryParams(req, []);
    const [name, store, key] = [param(req, 'name'), param(req, 'store'), param(req, 'key')];
    const found = await (await processorsOf(ctx)).get(name, store, key);
    if (!found) throw new KeyNotFoundError(`Store '${store}' of processor '${name}' has no value for key '${key}'.`, { processor: name, store, key });
    return { status: 200, body: found };
  },

  resetProcessor: async (req, ctx) => {
    queryParams(req, []);
    return { status: 200, body: await (await processorsOf(ctx)).reset(param(req, 'name')) };
  },

  queryProcessorWindows: async (req, ctx) => {
    const q = queryParams(req, ['from', 'to']);
    return { status: 200, body: await (await processorsOf(ctx)).windows(param(req, 'name'), param(req, 'store'), param(req, 'key'), q.from, q.to) };
  },
};

/** Deployed: every operation but running a module (which only the dev server does). */
export const processorOperations: Operations<ProcessorsLog> = processorOperationsFor();
