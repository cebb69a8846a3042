// Kafka's JsonConverter (org.apache.kafka.connect.json.JsonConverter), byte for byte in
// its envelope: with `schemas.enable=true` (the default, as in Kafka) every key or value
// is written as {"schema":<schema JSON>,"payload":<value JSON>} and must be read back in
// that shape ("schema" and "payload" and nothing else); with false, as the bare JSON
// value, read without a schema. Settings (after `key.converter.` / `value.converter.`):
//
//   schemas.enable             true        include the schema with each key or value
//   schemas.cache.size         1000        accepted for compatibility (schemas are not cached)
//   decimal.format             BASE64      BASE64 or NUMERIC (case insensitive), for Decimals
//   replace.null.with.default  true        write a null field as its schema's default
import { ConfigDef } from '../config/def.ts';
import { CaseInsensitiveValidString } from '../config/validators.ts';
import { DataException } from '../data/exceptions.ts';
import type { Schema } from '../data/schema.ts';
import type { SchemaAndValue } from '../data/values.ts';
import type { Converter, ConverterPlugin, HeaderConverter } from './converter.ts';
import { asConnectSchema, asJsonSchema, toConnect, toJson, type JsonDataOptions } from './jsonData.ts';
import { readJson, writeJson } from './jsonText.ts';

export const JSON_CONVERTER_CONFIG = new ConfigDef()
  .define({ name: 'schemas.enable', type: 'BOOLEAN', defaultValue: true, importance: 'HIGH', group: 'Schemas', orderInGroup: 0, width: 'MEDIUM', displayName: 'Enable Schemas', documentation: 'Include schemas within each of the serialized values and keys.' })
  .define({ name: 'schemas.cache.size', type: 'INT', defaultValue: 1000, importance: 'HIGH', group: 'Schemas', orderInGroup: 1, width: 'MEDIUM', displayName: 'Schema Cache Size', documentation: 'The maximum number of schemas that can be cached in this converter instance.' })
  .define({
    name: 'decimal.format',
    type: 'STRING',
    defaultValue: 'BASE64',
    validator: CaseInsensitiveValidString.in('BASE64', 'NUMERIC'),
    importance: 'LOW',
    group: 'Serialization',
    orderInGroup: 0,
    width: 'MEDIUM',
    displayName: 'Decimal Format',
    documentation: "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
  })
  .define({ name: 'replace.null.with.default', type: 'BOOLEAN', defaultValue: true, importance: 'LOW', group: 'Serialization', orderInGroup: 1, width: 'MEDIUM', displayName: 'Replace null with default', documentation: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.' })
  .define({ name: 'converter.type', type: 'STRING', defaultValue: 'value', importance: 'LOW', documentation: 'How this converter will be used.' });

export class JsonConverter implements Converter, HeaderConverter {
  private readonly schemasEnabled: boolean;
  private readonly opts: JsonDataOptions;

  constructor(props: Readonly<Record<string, string>> = {}) {
    const c = JSON_CONVERTER_CONFIG.parse(props);
    this.schemasEnabled = c['schemas.enable'] as boolean;
    this.opts = {
      decimalFormat: (c['decimal.format'] as string).toUpperCase() as JsonDataOptions['decimalFormat'],
      replaceNullWithDefault: c['replace.null.with.default'] as boolean,
    };
  }

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (schema === null && (value === null || value === undefined)) return null;
    const payload = toJson(schema, value, this.opts);
    const node = this.schemasEnabled ? { schema: schema ? asJsonSchema(schema, this.opts) : null, payload } : payload;
    return Buffer.from(writeJson(node), 'utf8');
  }

  toConnectData(_topic: string, value: Buffer | null): SchemaAndValue {
    // Empty bytes read as JSON null, as Kafka's deserializer reads them.
    if (value === null || value.length === 0) return { schema: null, value: null };
    let json: unknown;
    try {
      json = readJson(value.toString('utf8'));
    } catch (err) {
      throw new DataException(`Converting byte[] to Kafka Connect data failed due to serialization error: ${(err as Error).message}`, { cause: err });
    }
    if (!this.schemasEnabled) return { schema: null, value: toConnect(null, json, this.opts) };
    const env = json as Record<string, unknown> | null;
    if (!env || typeof env !== 'object' || Array.isArray(env) || Object.keys(env).length !== 2 || !('schema' in env) || !('payload' in env)) {
      throw new DataException(
        'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.',
      );
    }
    const schema = asConnectSchema(env.schema, this.opts);
    return { schema, value: toConnect(schema, env.payload, this.opts) };
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
}

export const jsonConverterPlugin: ConverterPlugin = {
  className: 'org.apache.kafka.connect.json.JsonConverter',
  aliases: ['JsonConverter', 'Json', 'json'],
  version: '1.0',
  config: () => JSON_CONVERTER_CONFIG,
  create: (props, isKey) => new JsonConverter({ ...props, 'converter.type': isKey ? 'key' : 'value' }),
  createHeaderConverter: (props) => new JsonConverter({ ...props, 'converter.type': 'header' }),
};
