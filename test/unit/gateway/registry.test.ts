// The API list, the handlers and ApiVersions agree, and the transaction APIs are offered.
import { describe, expect, it } from 'vitest';
import { apiVersionsBody } from '../../../lib/gateway/handlers/api-versions.ts';
import { HANDLERS } from '../../../lib/gateway/handlers/index.ts';
import { APIS } from '../../../lib/gateway/protocol/apis.ts';

describe('the gateway API registry', () => {
  it('has one handler per API and advertises exactly the served ranges', () => {
    expect([...HANDLERS.keys()].sort((a, b) => a - b)).toEqual(APIS.map((a) => a.key).sort((a, b) => a - b));
    expect(apiVersionsBody().apiKeys).toEqual(APIS.map((a) => ({ apiKey: a.key, minVersion: a.request.versions.min, maxVersion: a.request.versions.max })));
  });

  it('offers the transaction APIs at the versions current clients negotiate', () => {
    const served = new Map(apiVersionsBody().apiKeys.map((k: { apiKey: number; minVersion: number; maxVersion: number }) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(served.get(22)).toEqual([0, 5]); // InitProducerId
    expect(served.get(24)).toEqual([0, 5]); // AddPartitionsToTxn (v4+: batched)
    expect(served.get(25)).toEqual([0, 4]); // AddOffsetsToTxn
    expect(served.get(26)).toEqual([0, 4]); // EndTxn (v5: KIP-890 epoch bumps, not served)
    expect(served.get(28)).toEqual([0, 4]); // TxnOffsetCommit
  });
});
