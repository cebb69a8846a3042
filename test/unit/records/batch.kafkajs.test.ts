// Cross-implementation checks against kafkajs's RecordBatch v2 encoder and decoder: each
// side reads what the other writes, and both write the same bytes for the same batch.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBatches, encodeBatch } from '../../../lib/records/index.ts';
import type { BatchInput } from '../../../lib/records/types.ts';
import { bytes, headerKey, nullableBytes, record, timestamp } from './arbitraries.ts';
import { flattenHeaders, foldHeaders, kafkajsDecode, kafkajsEncode, type KafkajsMessage } from './kafkajs.ts';

/** Batch fields both encoders can express; kafkajs writes 0, not -1, for unused epoch/sequence. */
const producerFields = fc.record({
  producerId: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
  producerEpoch: fc.integer({ min: 0, max: 2 ** 15 - 1 }),
  baseSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  partitionLeaderEpoch: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  transactional: fc.boolean(),
});

/**
 * kafkajs messages: headers are an object (a repeated key is an array) and kafkajs cannot
 * size a null header value, so header values are always bytes here.
 */
const kafkajsMessage: fc.Arbitrary<KafkajsMessage> = fc.record({
  key: nullableBytes(),
  value: nullableBytes(),
  headers: fc.dictionary(headerKey, fc.oneof(bytes(24), fc.array(bytes(24), { minLength: 1, maxLength: 3 })), {
    maxKeys: 3,
  }),
  timestamp,
});

const gzip = fc.boolean();

type ProducerFields = typeof producerFields extends fc.Arbitrary<infer T> ? T : never;

function ourInput(messages: KafkajsMessage[], fields: ProducerFields, useGzip: boolean): BatchInput {
  return {
    records: messages.map((m) => ({ key: m.key, value: m.value, headers: flattenHeaders(m.headers), timestamp: m.timestamp })),
    compression: useGzip ? 'gzip' : 'none',
    producerId: fields.producerId,
    producerEpoch: fields.producerEpoch,
    baseSequence: fields.baseSequence,
    partitionLeaderEpoch: fields.partitionLeaderEpoch,
    isTransactional: fields.transactional,
  };
}

describe('our batches, read by kafkajs', () => {
  it('give kafkajs the same records and batch fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 10 }), producerFields, gzip, async (records, fields, useGzip) => {
        const buf = encodeBatch({
          records,
          compression: useGzip ? 'gzip' : 'none',
          baseOffset: 42,
          producerId: fields.producerId,
          producerEpoch: fields.producerEpoch,
          baseSequence: fields.baseSequence,
          partitionLeaderEpoch: fields.partitionLeaderEpoch,
          isTransactional: fields.transactional,
        });

        const theirs = await kafkajsDecode(buf);

        expect(theirs).toMatchObject({
          firstOffset: '42',
          firstTimestamp: String(records[0]!.timestamp),
          maxTimestamp: String(Math.max(...records.map((r) => r.timestamp))),
          lastOffsetDelta: records.length - 1,
          producerId: String(fields.producerId),
          producerEpoch: fields.producerEpoch,
          firstSequence: fields.baseSequence,
          partitionLeaderEpoch: fields.partitionLeaderEpoch,
          inTransaction: fields.transactional,
          timestampType: 0,
        });
        expect(theirs.records).toHaveLength(records.length);
        theirs.records.forEach((r, i) => {
          const sent = records[i]!;
          expect(r.offset).toBe(String(42 + i));
          expect(r.timestamp).toBe(String(sent.timestamp));
          expect(r.key).toEqual(sent.key);
          expect(r.value).toEqual(sent.value);
          expect(r.headers).toEqual(foldHeaders(sent.headers ?? []));
        });
      }),
      { numRuns: 100 },
    );
  });

  it('carry LOG_APPEND_TIME to kafkajs, which then reports the append time for every record', async () => {
    const buf = encodeBatch({
      records: [
        { key: null, value: Buffer.from('a'), timestamp: 1 },
        { key: null, value: Buffer.from('b'), timestamp: 2 },
      ],
      timestampType: 'LOG_APPEND_TIME',
      logAppendTime: 1_700_000_000_000,
    });

    const theirs = await kafkajsDecode(buf);

    expect(theirs.timestampType).toBe(1);
    expect(theirs.records.map((r) => r.timestamp)).toEqual(['1700000000000', '1700000000000']);
  });
});

describe('kafkajs batches, read by us', () => {
  it('give us the same records and batch fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(kafkajsMessage, { minLength: 1, maxLength: 10 }), producerFields, gzip, async (messages, fields, useGzip) => {
        const buf = await kafkajsEncode(messages, { ...fields, gzip: useGzip });

        const [ours, ...rest] = decodeBatches(buf);

        expect(rest).toHaveLength(0);
        expect(ours).toMatchObject({
          baseOffset: 0,
          compression: useGzip ? 'gzip' : 'none',
          timestampType: 'CREATE_TIME',
          firstTimestamp: messages[0]!.timestamp,
          maxTimestamp: Math.max(...messages.map((m) => m.timestamp)),
          lastOffsetDelta: messages.length - 1,
          recordCount: messages.length,
          producerId: fields.producerId,
          producerEpoch: fields.producerEpoch,
          baseSequence: fields.baseSequence,
          partitionLeaderEpoch: fields.partitionLeaderEpoch,
          isTransactional: fields.transactional,
        });
        expect(ours!.records).toEqual(
          messages.map((m, i) => ({
            offset: i,
            timestamp: m.timestamp,
            key: m.key,
            value: m.value,
            headers: flattenHeaders(m.headers),
          })),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('both encoders, given the same batch', () => {
  it('write identical bytes, uncompressed or gzip', async () => {
    // Same zlib, same default level, and Node writes gzip's mtime as 0, so gzip output is
    // deterministic too.
    await fc.assert(
      fc.asyncProperty(fc.array(kafkajsMessage, { minLength: 1, maxLength: 10 }), producerFields, gzip, async (messages, fields, useGzip) => {
        const theirs = await kafkajsEncode(messages, { ...fields, gzip: useGzip });

        const ours = encodeBatch(ourInput(messages, fields, useGzip));

        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      }),
      { numRuns: 100 },
    );
  });
});
