// Delivery: the event a target receives (Lambda's Kafka event shape) and the three kinds
// of target. A delivery succeeds or fails as a whole; every failure is a value with a
// code and a message (never a throw), so the dispatcher decides about retries alone.
//
//   lambda  Invoke, RequestResponse. A FunctionError (the function threw or timed out)
//           and any Invoke error (throttling, AccessDenied, ...) count as failures.
//   http    POST application/json through egress.ts: the URL and every address its host
//           resolves to are checked again at each call, and the connection goes only to a
//           checked address (INVALID_TARGET failure otherwise, nothing sent). Any 2xx is
//           success; a failure records only the status line ("HTTP 500 Internal Server
//           Error"), never the answer's body: dead letters are readable through the API.
//   module  import(path), call its `handler(event)` in-process; a throw (or rejection) is
//           a failure. Only when allowed (the local dev server): deployed, refused. The
//           real path must lie inside the allowed directories (modulePaths.ts).
import { pathToFileURL } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { isSluiceError } from '../core/errors.ts';
import type { FetchedRecord } from '../log/fetch.ts';
import { egressAgents, postChecked, type Resolver } from '../core/egress.ts';
import type { KafkaEventRecord, SluiceKafkaEvent, Target } from './model.ts';
import { importablePath } from '../core/modulePaths.ts';

export function kafkaEvent(subscription: string, topic: string, partition: number, records: readonly FetchedRecord[]): SluiceKafkaEvent {
  return {
    eventSource: 'sluice',
    subscription,
    records: { [`${topic}-${partition}`]: records.map((r) => kafkaRecord(topic, partition, r)) },
  };
}

function kafkaRecord(topic: string, partition: number, r: FetchedRecord): KafkaEventRecord {
  return {
    topic,
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key === null ? null : r.key.toString('base64'),
    value: r.value === null ? null : r.value.toString('base64'),
    headers: r.headers.map((h) => ({ [h.key]: h.value === null ? null : [...h.value] })),
  };
}

/**
 * A failure with `stop` is not retried: the target has stopped this partition (a sink
 * connector's failed task), so the run ends with the cursor where it is, no attempt
 * counted, until the subscription is bound again without it.
 */
export type DeliveryResult = { ok: true } | { ok: false; error: { code: string; message: string }; stop?: true };

export interface DeliveryOptions {
  /** Give up (and count a failure) after this long. */
  timeoutMs: number;
}

/** Delivers one event to one target. Implementations never throw. */
export type Deliver = (target: Target, event: SluiceKafkaEvent, opts: DeliveryOptions) => Promise<DeliveryResult>;

export interface TargetOptions {
  /** Import module targets in-process (the local dev server); refused otherwise. */
  allowModules?: boolean;
  /** Directories module targets must lie in (default: the working directory). */
  moduleDirs?: readonly string[];
  /** Let http targets reach loopback (the local dev server); refused otherwise. */
  allowLoopback?: boolean;
  lambda?: LambdaClient;
  /** How http targets' names are resolved (tests); default: the system resolver. */
  resolve?: Resolver;
}

const failure = (code: string, message: string): DeliveryResult => ({ ok: false, error: { code, message: truncate(message, 1000) } });
const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function createDeliver(opts: TargetOptions = {}): Deliver {
  let lambda = opts.lambda;
  const agents = egressAgents();
  return async (target, event, { timeoutMs }) => {
    try {
      switch (target.type) {
        case 'lambda': {
          lambda ??= new LambdaClient({ maxAttempts: 1 });
          const res = await lambda.send(
            new InvokeCommand({
              FunctionName: target.functionArn,
              InvocationType: 'RequestResponse',
              Payload: Buffer.from(JSON.stringify(event)),
            }),
            { abortSignal: AbortSignal.timeout(timeoutMs) },
          );
          if (res.FunctionError) {
            const payload = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
            let message = payload;
            try {
              const p = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
              message = [p.errorType, p.errorMessage].filter(Boolean).join(': ') || payload;
            } catch {
              // not JSON: keep the text
            }
            return failure('FUNCTION_ERROR', `${res.FunctionError}: ${message}`);
          }
          if (res.StatusCode !== undefined && (res.StatusCode < 200 || res.StatusCode >= 300)) {
            return failure('FUNCTION_ERROR', `Invoke answered status ${res.StatusCode}`);
          }
          return { ok: true };
        }
        case 'http': {
          const res = await postChecked(target.url, JSON.stringify(event), {
            loopback: opts.allowLoopback ? 'allow' : 'refuse',
            headers: { 'content-type': 'application/json', 'user-agent': 'sluice-dispatcher' },
            signal: AbortSignal.timeout(timeoutMs),
            agents,
            ...(opts.resolve ? { resolve: opts.resolve } : {}),
          });
          if (res.status >= 200 && res.status < 300) return { ok: true };
          return failure(`HTTP_${res.status}`, res.statusLine);
        }
        case 'module': {
          if (!opts.allowModules) {
            return failure('MODULE_TARGET_NOT_ALLOWED', 'Module targets run only in the local dev server.');
          }
          const handler = await loadModuleHandler(await importablePath(target.path, opts.moduleDirs ?? [process.cwd()]));
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(Object.assign(new Error(`handler did not finish within ${timeoutMs} ms`), { name: 'TIMEOUT' })), timeoutMs);
          });
          try {
            await Promise.race([Promise.resolve().then(() => handler(event)), timeout]);
          } finally {
            clearTimeout(timer);
          }
          return { ok: true };
        }
        case 'connector':
          // Delivered by the connector runtime's kind (kinds.ts), never by this function.
          return failure('NO_CONNECTOR_RUNTIME', `Connector ${target.connector} is run by the connector runtime, which is not part of this dispatcher.`);
      }
    } catch (err) {
      if (isSluiceError(err)) return failure(err.code, err.message);
      const e = err as { name?: string; message?: string; code?: string };
      const code = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'TIMEOUT' : (e.name ?? 'Error');
      return failure(code, e.message ?? String(err));
    }
  };
}

type ModuleHandler = (event: SluiceKafkaEvent) => unknown;

async function loadModuleHandler(path: string): Promise<ModuleHandler> {
  const mod = (await import(pathToFileURL(path).href)) as { handler?: unknown; default?: { handler?: unknown } | unknown };
  const handler = typeof mod.handler === 'function'
    ? mod.handler
    : typeof (mod.default as { handler?: unknown } | undefined)?.handler === 'function'
      ? (mod.default as { handler: unknown }).handler
      : undefined;
  if (typeof handler !== 'function') throw Object.assign(new Error(`module ${path} exports no handler function`), { name: 'NO_HANDLER' });
  return handler as ModuleHandler;
}
