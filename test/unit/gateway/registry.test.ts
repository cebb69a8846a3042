// The API list, the handlers and ApiVersions agree, and transactions are not offered.
import { describe, expect, it } from 'vitest';
import { apiVersionsBody } from '../../../lib/gateway/handlers/api-versions.ts';
import { HANDLERS } from '../../../lib/gateway/handlers/index.ts';
import { APIS } from '../../../lib/gateway/protocol/apis.ts';

describe('the gateway API registry', () => {
  it('has one handler per API and advertises exactly the served ranges', () => {
    expect([...HANDLERS.keys()].sort((a, b) => a - b)).toEqual(APIS.map((a) => a.key).sort((a, b) => a - b));
    expect(apiVersionsBody().apiKeys).toEqual(APIS.map((a) => ({ apiKey: a.key, minVersion: a.request.versions.min, maxVersion: a.request.versions.max })));
  });

  it('does not offer the transaction APIs it does not serve', () => {
    const keys = new Set(APIS.map((a) => a.key));
    for (const key of [24, 25, 26, 28]) expect(keys.has(key)).toBe(false);
  });
});
