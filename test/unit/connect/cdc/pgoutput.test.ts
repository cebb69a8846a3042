// pgoutput decoding and value conversion: messages built byte by byte as the protocol
// documents them decode to what was encoded, for any tuple (fast-check), and the text
// forms of common types convert as Debezium represents them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePgOutput, type Tuple } from '../../../../lib/connect/cdc/postgres/pgoutput.ts';
import { convertValue, parseArrayLiteral } from '../../../../lib/connect/cdc/postgres/types.ts';
import { formatLsn, parseLsn, readServerFrame, standbyStatus } from '../../../../lib/connect/cdc/postgres/wal.ts';

const int16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const int32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const int64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(n); return b; };
const cstr = (s: string) => Buffer.concat([Buffer.from(s), Buffer.from([0])]);

function tupleBytes(tuple: Tuple): Buffer {
  return Buffer.concat([
    int16(tuple.length),
    ...tuple.map((v) => {
      if (v === null) return Buffer.from('n');
      if (typeof v === 'object') return Buffer.from('u');
      const text = Buffer.from(v);
      return Buffer.concat([Buffer.from('t'), int32(text.length), text]);
    }),
  ]);
}

const tupleArb = fc.array(fc.oneof(fc.string(), fc.constant(null), fc.constant({ unchanged: true as const })), { maxLength: 20 });

describe('decodePgOutput', () => {
  it('decodes Insert, Update (with old row) and Delete tuples as encoded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), tupleArb, tupleArb, (relid, a, b) => {
        expect(decodePgOutput(Buffer.concat([Buffer.from('I'), int32(relid), Buffer.from('N'), tupleBytes(a)]))).toEqual({ tag: 'insert', relationId: relid, after: a });
        expect(decodePgOutput(Buffer.concat([Buffer.from('U'), int32(relid), Buffer.from('O'), tupleBytes(a), Buffer.from('N'), tupleBytes(b)]))).toEqual({ tag: 'update', relationId: relid, before: a, beforeIsKey: false, after: b });
        expect(decodePgOutput(Buffer.concat([Buffer.from('D'), int32(relid), Buffer.from('K'), tupleBytes(a)]))).toEqual({ tag: 'delete', relationId: relid, before: a, beforeIsKey: true });
      }),
    );
  });

  it('decodes Relation, Begin, Commit and Truncate', () => {
    const relation = Buffer.concat([Buffer.from('R'), int32(16384), cstr('public'), cstr('orders'), Buffer.from('f'), int16(2), Buffer.from([1]), cstr('id'), int32(23), int32(-1), Buffer.from([0]), cstr('note'), int32(25), int32(-1)]);
    expect(decodePgOutput(relation)).toEqual({
      tag: 'relation',
      relation: { id: 16384, schema: 'public', table: 'orders', replicaIdentity: 'f', columns: [{ name: 'id', typeOid: 23, typeMod: -1, key: true }, { name: 'note', typeOid: 25, typeMod: -1, key: false }] },
    });
    // 2024-01-01T00:00:00Z is 757382400 s after 2000-01-01.
    const micros = 757_382_400_000_000n;
    expect(decodePgOutput(Buffer.concat([Buffer.from('B'), int64(0x16b3748n), int64(micros), int32(42)]))).toEqual({ tag: 'begin', finalLsn: 0x16b3748n, commitTime: Date.UTC(2024, 0, 1), xid: 42 });
    expect(decodePgOutput(Buffer.concat([Buffer.from('C'), Buffer.from([0]), int64(5n), int64(9n), int64(micros)]))).toEqual({ tag: 'commit', commitLsn: 5n, endLsn: 9n, commitTime: Date.UTC(2024, 0, 1) });
    expect(decodePgOutput(Buffer.concat([Buffer.from('T'), int32(2), Buffer.from([3]), int32(7), int32(8)]))).toEqual({ tag: 'truncate', relationIds: [7, 8], cascade: true, restartIdentity: true });
  });

  it('refuses a message cut short', () => {
    expect(() => decodePgOutput(Buffer.concat([Buffer.from('I'), int32(1), Buffer.from('N'), int16(1), Buffer.from('t'), int32(10), Buffer.from('abc')]))).toThrow(/ends early/);
  });
});

describe('LSNs and replication frames', () => {
  it('round-trips LSN text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (lsn) => {
        expect(parseLsn(formatLsn(lsn))).toBe(lsn);
      }),
    );
  });

  it('reports the acknowledged LSN as written, flushed and applied', () => {
    const status = standbyStatus(0x1234n, Date.UTC(2024, 0, 1), true);
    expect([status.toString('latin1', 0, 1), status.readBigUInt64BE(1), status.readBigUInt64BE(9), status.readBigUInt64BE(17), status[33]]).toEqual(['r', 0x1234n, 0x1234n, 0x1234n, 1]);
    const keepalive = Buffer.concat([Buffer.from('k'), int64(77n), int64(0n), Buffer.from([1])]);
    expect(readServerFrame(keepalive)).toEqual({ kind: 'keepalive', walEnd: 77n, replyRequested: true });
  });
});

describe('convertValue', () => {
  it.each([
    [16, 't', true],
    [20, '9007199254740993', '9007199254740993'],
    [20, '-42', -42],
    [701, 'NaN', 'NaN'],
    [1700, '12.3400', '12.3400'],
    [1082, '2024-03-01', 19783],
    [1083, '01:02:03.5', 3_723_500_000],
    [1114, '2024-03-01 00:00:01.25', 1_709_251_201_250_000],
    [1184, '2024-03-01 10:00:00.5+02', '2024-03-01T08:00:00.5Z'],
    [17, '\\x0102ff', 'AQL/'],
    [1007, '{1,NULL,3}', [1, null, 3]],
    [1009, '{"a,b","c \\"d\\"",NULL}', ['a,b', 'c "d"', null]],
    [2950, '6b6f0c2e-0000-4000-8000-000000000000', '6b6f0c2e-0000-4000-8000-000000000000'],
  ])('type %i: %s', (oid, text, want) => {
    expect(convertValue(oid, text)).toEqual(want);
  });

  it('parses nested arrays and drops dimension decorations', () => {
    expect(parseArrayLiteral('[0:1]={{1,2},{3,4}}')).toEqual([['1', '2'], ['3', '4']]);
  });
});
