// Subscriptions as CloudFormation custom resources (`platform.addSubscription` in the
// CDK): the subscriptions function is the resource's service token and creates, updates
// and deletes the subscription with the same code as the API. Properties:
//
//   Topic  the topic name          Name  the subscription name
//   Spec   JSON of the rest of the creation body: target, batchSize, maxBatchingWindowMs,
//          startingPosition, maxRetries, deadLetter
//
// Create and Update on the same topic and name upsert (an update keeps the cursors); a
// changed topic or name is a new physical resource, and CloudFormation then deletes the
// old one. The topic need not exist at deploy time: the subscription stays pending and is
// bound when the topic is created (see catalog.ts). Every request gets an answer on the
// pre-signed ResponseURL, failures included, so a stack never waits for a timeout.
import { isSluiceError } from '../core/errors.ts';
import type { SubscriptionCatalog } from './catalog.ts';
import { parseSubscriptionInput } from './model.ts';
import { sleep } from '../core/time.ts';

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

export function isCustomResourceEvent(event: unknown): event is CustomResourceEvent {
  const e = event as Partial<CustomResourceEvent> | null;
  return Boolean(
    e && typeof e === 'object' && typeof e.RequestType === 'string' && typeof e.ResponseURL === 'string' && typeof e.StackId === 'string',
  );
}

export const physicalId = (topic: string, name: string): string => `sluice-subscription:${topic}/${name}`;

function parsePhysicalId(id: string | undefined): { topic: string; name: string } | undefined {
  const m = /^sluice-subscription:([^/]+)\/([^/]+)$/.exec(id ?? '');
  return m ? { topic: m[1]!, name: m[2]! } : undefined;
}

export async function handleCustomResource(
  event: CustomResourceEvent,
  catalog: SubscriptionCatalog,
  send: (url: string, body: string) => Promise<void> = putResponse,
): Promise<{ Status: 'SUCCESS' | 'FAILED'; PhysicalResourceId: string; Reason?: string }> {
  let physical = event.PhysicalResourceId ?? `sluice-subscription-failed:${event.RequestId}`;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason: string | undefined;
  try {
    if (event.RequestType === 'Delete') {
      const target = parsePhysicalId(event.PhysicalResourceId);
      if (target) {
        await catalog.delete(target.topic, target.name).catch((err: unknown) => {
          if ((err as { code?: string }).code !== 'UNKNOWN_SUBSCRIPTION') throw err;
        });
      }
    } else {
      const p = event.ResourceProperties;
      const topic = String(p.Topic ?? '');
      const spec = typeof p.Spec === 'string' ? (JSON.parse(p.Spec) as Record<string, unknown>) : (p.Spec as Record<string, unknown>) ?? {};
      const parsed = parseSubscriptionInput({ ...spec, name: p.Name }, { deployed: true });
      await catalog.upsert(topic, parsed.name, parsed.spec);
      physical = physicalId(topic, parsed.name);
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
