// What invokes a Lambda function, told apart by the event's shape, and the one place a
// function serving several sources hands each event to the adapter of its kind:
//
//   kind      shape                                              source
//   schedule  {"detail-type":"Scheduled Event", "time":..., ...}  EventBridge rule
//   stream    {"Records":[...]}                                  event source mapping
//   http      {"requestContext":{...}, ...}                      API Gateway (v1 and v2)
//   invoke    anything else: {"RequestType":..., "ResponseURL":...} from CloudFormation,
//             {"sweep":true} from an operator                    direct invocation
//
// A function serving one kind uses that adapter alone (http.ts, schedule.ts, stream.ts,
// invoke.ts), so its bundle carries no other. Also here: the invocation's deadline, which
// every adapter derives the same way from the Lambda context.
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../api/routes.ts';
import { createLogger } from './logger.ts';

export type EventKind = 'http' | 'schedule' | 'stream' | 'invoke';

/** The parts of Lambda's context the adapters read; tests and the dev server pass these. */
export type InvocationContext = Partial<Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>>;

/** A handler of one kind of event (or of any, after dispatch). */
export type EventHandler<E = never, R = unknown> = (event: E, context?: InvocationContext) => Promise<R>;

/**
 * What the adapters other than HTTP log through: a Powertools Logger (the default), or
 * the dev server's logger when it drives them.
 */
export interface AdapterLogger {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

/** Kept free at the end of an invocation, for answering and logging. */
export const SAFETY_MS = 5_000;

/** When the work of this invocation must be done (epoch ms), if Lambda says how long it has. */
export function deadlineOf(context: InvocationContext | undefined, now = Date.now()): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  return remaining === undefined ? undefined : now + remaining - SAFETY_MS;
}

export function eventKind(event: unknown): EventKind {
  const e = (event ?? {}) as Record<string, unknown>;
  if (e['detail-type'] === 'Scheduled Event') return 'schedule';
  if (Array.isArray(e.Records)) return 'stream';
  return e.requestContext ? 'http' : 'invoke';
}

/** Per kind, the handler of that kind (any event type: the kind says which it gets). */
export type EventHandlers = Partial<Record<EventKind, EventHandler<never>>>;

/**
 * One handler for a function invoked by several sources: each event goes to the handler
 * of its kind. An event of a kind the function does not serve is logged and answered
 * `{}`: it was misrouted, and failing would only make its source retry it.
 */
export function handleEvents(fn: FunctionName, handlers: EventHandlers, logger: AdapterLogger = createLogger(`sluice-${fn}`)): EventHandler<unknown> {
  return async (event, context) => {
    const kind = eventKind(event);
    const handler = handlers[kind];
    if (handler) return handler(event as never, context);
    logger.warn('ignored an event of a kind this function does not serve', {
      kind,
      keys: Object.keys((event as object | null) ?? {}),
    });
    return {};
  };
}
