// Converters: between a record's bytes in the log and Connect data (Kafka's Converter and
// HeaderConverter). A sink connector's records are converted from bytes before its
// transforms; a source connector's after. `key.converter`, `value.converter` and
// `header.converter` name one each; `key.converter.<setting>` (and so on) configure it.
import type { ConfigDef } from '../config/def.ts';
import type { Schema } from '../data/schema.ts';
import type { SchemaAndValue } from '../data/values.ts';

export interface Converter {
  /** Connect data to bytes (null for a null value, a tombstone). */
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null;
  /** Bytes (null: a tombstone) to Connect data. */
  toConnectData(topic: string, value: Buffer | null): SchemaAndValue;
}

export interface HeaderConverter {
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null;
  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue;
}

/** A converter class: its names, its settings, and instances configured for key, value or headers. */
export interface ConverterPlugin {
  /** Kafka's class name (org.apache.kafka.connect.json.JsonConverter). */
  readonly className: string;
  /** Other names it answers to: the simple class name and short ones ("JsonConverter", "json"). */
  readonly aliases: readonly string[];
  readonly version: string;
  config(): ConfigDef;
  /** `props` are the converter's own settings (prefix removed); `isKey` as Kafka's configure(). */
  create(props: Readonly<Record<string, string>>, isKey: boolean): Converter;
  /** When it can convert headers too. */
  createHeaderConverter?(props: Readonly<Record<string, string>>): HeaderConverter;
}
