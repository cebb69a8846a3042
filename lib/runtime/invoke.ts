// The invoke adapter: direct invocations, here CloudFormation's requests for a custom
// resource of the function (`platform.addSubscription` in the CDK). A request
//
//   {"RequestType":"Create"|"Update"|"Delete", "ResponseURL":"https://<pre-signed S3 URL>",
//    "StackId", "RequestId", "LogicalResourceId", "PhysicalResourceId" (Update, Delete),
//    "ResourceType", "ResourceProperties":{...}, "OldResourceProperties":{...} (Update)}
//
// is carried out by the function's provider and always answered by a PUT to ResponseURL
// (with an empty content-type, which the pre-signed URL requires), failures included, so a
// stack never waits for CloudFormation's hour-long timeout:
//
//   {"Status":"SUCCESS"|"FAILED", "Reason" (when FAILED), "PhysicalResourceId", "StackId",
//    "RequestId", "LogicalResourceId", "NoEcho":false, "Data":{}}
//
// Create and Update both upsert; when an Update yields another physical id, CloudFormation
// deletes the old one. Any other payload is logged and ignored. (The dispatcher has no
// resource: invoked directly, it sweeps, through the schedule adapter.)
import type { FunctionName } from '../api/routes.ts';
import { isSluiceError } from '../core/errors.ts';
import { sleep } from '../core/time.ts';
import type { AdapterLogger, EventHandler } from './events.ts';
import { createLogger } from './logger.ts';

export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

/** What a feature does for its custom resource type. */
export interface CustomResourceProvider {
  /** Prefix of the physical id given to a Create that failed (which a Delete then finds nothing under). */
  readonly name: string;
  /** Create or Update: make the resource as its properties say; returns its physical id. */
  upsert(properties: Record<string, unknown>): Promise<string>;
  /** Delete what the physical id names; an id this provider did not issue, or one already gone, is no error. */
  delete(physicalResourceId: string): Promise<void>;
}

export interface CustomResourceResult {
  Status: 'SUCCESS' | 'FAILED';
  PhysicalResourceId: string;
  Reason?: string;
}

/** Sends the answer: PUT body to the pre-signed URL. */
export type SendResponse = (url: string, body: string) => Promise<void>;

export interface InvokeHandlerOptions {
  /** Default: a Powertools logger named after the function. */
  logger?: AdapterLogger;
  /** Default: PUT with retries (tests capture the answer instead). */
  send?: SendResponse;
}

export function isCustomResourceEvent(event: unknown): event is CustomResourceEvent {
  const e = event as Partial<CustomResourceEvent> | null;
  return Boolean(
    e && typeof e === 'object' && typeof e.RequestType === 'string' && typeof e.ResponseURL === 'string' && typeof e.StackId === 'string',
  );
}

export function createInvokeHandler(fn: FunctionName, provider: CustomResourceProvider, opts: InvokeHandlerOptions = {}): EventHandler<unknown, object> {
  const logger = opts.logger ?? createLogger(`sluice-${fn}`);
  const send = opts.send ?? putResponse;
  return async (event) => {
    if (!isCustomResourceEvent(event)) {
      logger.warn('ignored an invocation that is no custom resource request', { keys: Object.keys((event as object | null) ?? {}) });
      return {};
    }
    return handleCustomResource(event, provider, send);
  };
}

/** Carries out one request and answers it on its ResponseURL, whatever happened. */
async function handleCustomResource(event: CustomResourceEvent, provider: CustomResourceProvider, send: SendResponse): Promise<CustomResourceResult> {
  let physical = event.PhysicalResourceId ?? `${provider.name}-failed:${event.RequestId}`;
  let status: CustomResourceResult['Status'] = 'SUCCESS';
  let reason: string | undefined;
  try {
    if (event.RequestType === 'Delete') {
      if (event.PhysicalResourceId) await provider.delete(event.PhysicalResourceId);
    } else {
      physical = await provider.upsert(event.ResourceProperties);
    }
  } catch (err) {
    status = 'FAILED';
    reason = isSluiceError(err) ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
  }
  const body = {
    Status: status,
    ...(reason ? { Reason: reason.slice(0, 3000) } : {}),
    PhysicalResourceId: physical,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    Data: {},
  };
  await send(event.ResponseURL, JSON.stringify(body));
  return { Status: status, PhysicalResourceId: physical, ...(reason ? { Reason: reason } : {}) };
}

/** PUT the answer to CloudFormation's pre-signed S3 URL (content-type must be empty). */
async function putResponse(url: string, body: string): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const res = await fetch(url, { method: 'PUT', headers: { 'content-type': '' }, body });
      if (res.ok) return;
      last = new Error(`HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
    await sleep(500 * 2 ** attempt);
  }
  throw last;
}
