// Typed access to kafkajs internals, the reference implementation the codec is checked
// against. kafkajs ships no declarations for these modules, so this file is the only
// place that touches them untyped.

import { createRequire } from 'node:module';
import type { RecordHeader } from '../../../lib/records/types.ts';

const require = createRequire(import.meta.url);
const base = 'kafkajs/src';

const { RecordBatch } = require(`${base}/protocol/recordBatch/v0/index.js`);
const Record = require(`${base}/protocol/recordBatch/record/v0/index.js`);
const decodeBatch = require(`${base}/protocol/recordBatch/v0/decoder.js`);
const Decoder = require(`${base}/protocol/decoder.js`);
const { Types } = require(`${base}/protocol/message/compression/index.js`);

/** kafkajs's header shape: one value per key, or an array when a key repeats. */
export type KafkajsHeaders = Record<string, Buffer | null | Array<Buffer | null>>;

export interface KafkajsMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkajsHeaders;
  timestamp: number;
}

export interface KafkajsBatchOptions {
  gzip?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  partitionLeaderEpoch?: number;
  transactional?: boolean;
}

/** Encodes like kafkajs's Produce request: deltas from the first record, max over all. */
export async function kafkajsEncode(messages: KafkajsMessage[], opts: KafkajsBatchOptions = {}): Promise<Buffer> {
  const first = messages[0]!.timestamp;
  const records = messages.map((m, i) =>
    Record({ offsetDelta: i, timestampDelta: m.timestamp - first, key: m.key, value: m.value, headers: m.headers }),
  );
  const batch = await RecordBatch({
    compression: opts.gzip ? Types.GZIP : Types.None,
    records,
    firstTimestamp: first,
    maxTimestamp: Math.max(...messages.map((m) => m.timestamp)),
    lastOffsetDelta: messages.length - 1,
    producerId: opts.producerId ?? -1n,
    producerEpoch: opts.producerEpoch ?? 0,
    firstSequence: opts.baseSequence ?? 0,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? 0,
    transactional: opts.transactional ?? false,
  });
  return batch.buffer as Buffer;
}

export interface KafkajsDecodedRecord {
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkajsHeaders;
}

export interface KafkajsDecodedBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  timestampType: number;
  records: KafkajsDecodedRecord[];
}

/** Decodes one batch with kafkajs's RecordBatch decoder (which does not check the CRC). */
export async function kafkajsDecode(buf: Buffer): Promise<KafkajsDecodedBatch> {
  return decodeBatch(new Decoder(buf));
}

/** kafkajs's ordered list of headers from its object form, as its Record encoder writes them. */
export function flattenHeaders(headers: KafkajsHeaders): RecordHeader[] {
  return Object.keys(headers).flatMap((key) => {
    const v = headers[key]!;
    return Array.isArray(v) ? v.map((value) => ({ key, value })) : [{ key, value: v }];
  });
}

/**
 * The object form kafkajs's decoder builds from a header list, by its own rule (repeated
 * keys become arrays), so expectations match what kafkajs reports rather than an idealised
 * view of it.
 */
export function foldHeaders(headers: RecordHeader[]): KafkajsHeaders {
  return headers.reduce<KafkajsHeaders>((obj, { key, value }) => {
    const prev = obj[key];
    const next = prev === undefined ? value : Array.isArray(prev) ? prev.concat([value]) : [prev, value];
    return { ...obj, [key]: next };
  }, {});
}

export const kafkajsMurmur2: (key: Buffer) => number = require(`${base}/producer/partitioners/default/murmur2.js`);

const createDefaultPartitioner = require(`${base}/producer/partitioners/default/index.js`);

/** The partition kafkajs's DefaultPartitioner picks for a keyed message. */
export function kafkajsPartition(key: Buffer, numPartitions: number): number {
  const partitioner = createDefaultPartitioner();
  const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
  return partitioner({ topic: 't', partitionMetadata, message: { key } });
}

export const kafkajsCrc32c: (buf: Buffer) => number = require(`${base}/protocol/recordBatch/crc32C/index.js`);

const Encoder = require(`${base}/protocol/encoder.js`);

/** kafkajs's zigzag varint bytes for n. */
export function kafkajsVarint(n: number): Buffer {
  return new Encoder().writeVarInt(n).buffer;
}

/** kafkajs's zigzag varlong bytes for n (a number or any int64 bigint). */
export function kafkajsVarlong(n: number | bigint): Buffer {
  return new Encoder().writeVarLong(n).buffer;
}
