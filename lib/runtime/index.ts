// The Lambda runtime: the only adapters between AWS's events and lib/, one per kind of
// event, and nothing else knows Lambda's event shapes or context.
//
//   http.ts      API Gateway requests → the route table's operations (lib/api)
//   schedule.ts  EventBridge scheduled events → a job's run (a ScheduledPass)
//   stream.ts    DynamoDB stream batches → a processor, with partial batch failures
//   invoke.ts    direct invocations: CloudFormation custom resource requests
//   events.ts    which kind an event is, and the one dispatch of a function serving several
//   storage.ts, tables.ts   the container's storage from its environment, built once
//   logger.ts    the Powertools logger every function logs through
//
// functions/<fn>.ts puts one or more of these in front of one lib feature. They import
// single files, never this index, so each bundle carries only the adapters it uses.
export { deadlineOf, eventKind, handleEvents, SAFETY_MS, type AdapterLogger, type EventHandler, type EventHandlers, type EventKind, type InvocationContext } from './events.ts';
export { createHttpHandler, type ApiHandler, type HttpHandlerOptions, type LogSource } from './http.ts';
export {
  createInvokeHandler,
  isCustomResourceEvent,
  type CustomResourceEvent,
  type CustomResourceProvider,
  type CustomResourceResult,
  type InvokeHandlerOptions,
  type SendResponse,
} from './invoke.ts';
export { createLogger } from './logger.ts';
export { createScheduleHandler, scheduledPass, type ScheduledEvent, type ScheduledJob, type ScheduleHandlerOptions } from './schedule.ts';
export { logFromEnv, storageFromEnv } from './storage.ts';
export { createStreamHandler, type StreamEvent, type StreamHandlerOptions, type StreamProcessor, type StreamResult } from './stream.ts';
export { tablesFromEnv } from './tables.ts';
