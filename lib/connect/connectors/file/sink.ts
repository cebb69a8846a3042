// FileStreamSink (org.apache.kafka.connect.file.FileStreamSinkConnector), as in Kafka's
// quickstart: each record's value is appended to `file` as one line, written as Java's
// toString would (a string as is, a map as {k=v, ...}); without a file, to the standard
// output of the process running it. Local dev server only: it writes this machine's files.
import { appendFile } from 'node:fs/promises';
import { ConfigDef } from '../../config/def.ts';
import { Decimal, isMapValue, mapEntries, Struct } from '../../data/schema.ts';
import { numberString } from '../../data/values.ts';
import { defineSinkConnector } from '../../plugins/define.ts';
import type { ConnectorPlugin } from '../plugin.ts';

const CONFIG = new ConfigDef().define({
  name: 'file',
  type: 'STRING',
  defaultValue: null,
  importance: 'HIGH',
  documentation: 'Destination filename. If not specified, the standard output will be used',
});

/** A Connect value as Java's toString writes it. */
export function javaString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberString(value, undefined);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toUTCString();
  if (value instanceof Decimal) return value.toString();
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  if (value instanceof Struct) return value.toString();
  if (isMapValue(value)) return `{${mapEntries(value).map(([k, v]) => `${javaString(k)}=${javaString(v)}`).join(', ')}}`;
  return String(value);
}

export const fileStreamSink = defineSinkConnector({
  configDef: CONFIG,
  put: async (records, { config }) => {
    const text = records.map((r) => `${javaString(r.value)}\n`).join('');
    if (!text) return;
    const file = config.file as string | null;
    if (file) await appendFile(file, text, 'utf8');
    else process.stdout.write(text);
  },
});

export const fileStreamSinkPlugin: ConnectorPlugin = {
  className: 'org.apache.kafka.connect.file.FileStreamSinkConnector',
  aliases: ['FileStreamSink', 'FileStreamSinkConnector'],
  connector: fileStreamSink,
  localOnly: true,
};
