// Kafka's other converters: StringConverter (text in UTF-8; `converter.encoding` picks
// another Node encoding), ByteArrayConverter (bytes as they are) and SimpleHeaderConverter
// (the default for headers: a value's text form, read back with Values.parseString, so a
// header "42" is the INT8 42 and "true" the BOOLEAN true, as in Kafka).
import { ConfigDef } from '../config/def.ts';
import { DataException } from '../data/exceptions.ts';
import { Schemas, typeName, type Schema } from '../data/schema.ts';
import { convertToString, parseString, type SchemaAndValue } from '../data/values.ts';
import type { Converter, ConverterPlugin, HeaderConverter } from './converter.ts';

const STRING_CONFIG = new ConfigDef()
  .define({ name: 'converter.encoding', type: 'STRING', defaultValue: 'UTF-8', importance: 'HIGH', group: 'Converter', orderInGroup: 0, width: 'MEDIUM', displayName: 'Encoding', documentation: 'The name of the Java character set to use for encoding strings as byte arrays.' })
  .define({ name: 'converter.type', type: 'STRING', defaultValue: 'value', importance: 'LOW', documentation: 'How this converter will be used.' });

const NODE_ENCODINGS: Record<string, BufferEncoding> = { 'UTF-8': 'utf8', UTF8: 'utf8', 'UTF-16LE': 'utf16le', 'ISO-8859-1': 'latin1', 'US-ASCII': 'ascii', ASCII: 'ascii' };

export class StringConverter implements Converter, HeaderConverter {
  private readonly encoding: BufferEncoding;

  constructor(props: Readonly<Record<string, string>> = {}) {
    const name = (STRING_CONFIG.parse(props)['converter.encoding'] as string).toUpperCase();
    const encoding = NODE_ENCODINGS[name];
    if (!encoding) throw new DataException(`Unsupported encoding ${name}; use one of ${Object.keys(NODE_ENCODINGS).join(', ')}`);
    this.encoding = encoding;
  }

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    return Buffer.from(typeof value === 'string' ? value : (convertToString(schema, value) ?? ''), this.encoding);
  }

  toConnectData(_topic: string, value: Buffer | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_STRING, value: value === null ? null : value.toString(this.encoding) };
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
}

const TYPE_ONLY = new ConfigDef().define({ name: 'converter.type', type: 'STRING', defaultValue: 'value', importance: 'LOW', documentation: 'How this converter will be used.' });

export class ByteArrayConverter implements Converter, HeaderConverter {
  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (schema !== null && schema.type !== 'BYTES') throw new DataException(`Invalid schema type for ByteArrayConverter: ${schema.type}`);
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) throw new DataException(`ByteArrayConverter is not compatible with objects of type ${typeName(value)}`);
    return Buffer.from(value);
  }

  toConnectData(_topic: string, value: Buffer | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_BYTES, value };
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
}

export class SimpleHeaderConverter implements HeaderConverter {
  fromConnectHeader(_topic: string, _key: string, schema: Schema | null, value: unknown): Buffer | null {
    const text = convertToString(schema, value);
    return text === null ? null : Buffer.from(text, 'utf8');
  }

  toConnectHeader(_topic: string, _key: string, value: Buffer | null): SchemaAndValue {
    return value === null ? { schema: null, value: null } : parseString(value.toString('utf8'));
  }
}

export const stringConverterPlugin: ConverterPlugin = {
  className: 'org.apache.kafka.connect.storage.StringConverter',
  aliases: ['StringConverter', 'String', 'string'],
  version: '1.0',
  config: () => STRING_CONFIG,
  create: (props) => new StringConverter(props),
  createHeaderConverter: (props) => new StringConverter(props),
};

export const byteArrayConverterPlugin: ConverterPlugin = {
  className: 'org.apache.kafka.connect.converters.ByteArrayConverter',
  aliases: ['ByteArrayConverter', 'ByteArray', 'bytearray'],
  version: '1.0',
  config: () => TYPE_ONLY,
  create: () => new ByteArrayConverter(),
  createHeaderConverter: () => new ByteArrayConverter(),
};

/** Headers only: not a key or value converter. */
export const simpleHeaderConverterPlugin = {
  className: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
  aliases: ['SimpleHeaderConverter', 'SimpleHeader', 'simple'],
  version: '1.0',
  config: () => TYPE_ONLY,
  createHeaderConverter: () => new SimpleHeaderConverter(),
} as const;
