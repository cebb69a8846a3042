// recordResponseBound is what produce checks so that every fetch can carry every record:
// it must never be below what a record really takes as base64 JSON (the fallback form).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderBase64 } from '../../../lib/api/operations/fetch.ts';
import { recordResponseBound } from '../../../lib/core/limits.ts';

const bytes = fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), { nil: null });
const header = fc.record({ key: fc.string({ unit: 'binary', maxLength: 40 }), value: bytes });

describe('recordResponseBound', () => {
  it('bounds the base64 JSON form of any record, whatever its header names hold', () => {
    fc.assert(
      fc.property(bytes, bytes, fc.array(header, { maxLength: 20 }), fc.nat(), fc.nat(), (key, value, headers, offset, timestamp) => {
        const record = { offset, timestamp, key, value, headers, timestampType: 'CREATE_TIME' as const };
        const sent = Buffer.byteLength(JSON.stringify(renderBase64(record)));
        const bound = recordResponseBound({
          keyBytes: key?.length ?? 0,
          valueBytes: value?.length ?? 0,
          headerKeyBytes: headers.reduce((n, h) => n + Buffer.byteLength(h.key), 0),
          headerValueBytes: headers.reduce((n, h) => n + (h.value?.length ?? 0), 0),
          headerCount: headers.length,
        });
        expect(sent).toBeLessThanOrEqual(bound);
      }),
    );
  });
});
