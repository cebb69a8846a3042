// ApiVersions: the APIs of protocol/apis.ts with the version ranges we serve. Nothing
// else is listed, so a client never picks an API we would answer wrongly.
import { APIS } from '../protocol/apis.ts';
import { E } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler } from '../server/context.ts';

export function apiVersionsBody(): Message {
  return {
    errorCode: E.NONE,
    apiKeys: APIS.map((a) => ({ apiKey: a.key, minVersion: a.request.versions.min, maxVersion: a.request.versions.max })),
    throttleTimeMs: 0,
  };
}

export const handleApiVersions: Handler = () => apiVersionsBody();
