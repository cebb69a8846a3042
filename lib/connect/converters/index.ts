// The converters Sluice has, by every name they answer to, and the defaults a connector
// gets when it names none: Kafka's shipped worker settings (connect-standalone.properties):
// JsonConverter with schemas.enable=true for keys and values, SimpleHeaderConverter for
// headers.
import { ConfigException } from '../data/exceptions.ts';
import type { Converter, ConverterPlugin, HeaderConverter } from './converter.ts';
import { jsonConverterPlugin } from './json.ts';
import { byteArrayConverterPlugin, simpleHeaderConverterPlugin, stringConverterPlugin } from './simple.ts';

export type { Converter, ConverterPlugin, HeaderConverter } from './converter.ts';
export { JsonConverter } from './json.ts';
export { ByteArrayConverter, SimpleHeaderConverter, StringConverter } from './simple.ts';

export const CONVERTERS: readonly ConverterPlugin[] = [jsonConverterPlugin, stringConverterPlugin, byteArrayConverterPlugin];

/** Converters usable for headers: every converter above, and SimpleHeaderConverter. */
export const HEADER_CONVERTERS = [simpleHeaderConverterPlugin, ...CONVERTERS] as const;

export const DEFAULT_KEY_CONVERTER = jsonConverterPlugin.className;
export const DEFAULT_VALUE_CONVERTER = jsonConverterPlugin.className;
export const DEFAULT_HEADER_CONVERTER = simpleHeaderConverterPlugin.className;

const names = (p: { className: string; aliases: readonly string[] }) => [p.className, ...p.aliases];

export function findConverter(name: string): ConverterPlugin | undefined {
  return CONVERTERS.find((p) => names(p).includes(name));
}

export function findHeaderConverter(name: string): (typeof HEADER_CONVERTERS)[number] | undefined {
  return HEADER_CONVERTERS.find((p) => names(p).includes(name));
}

/** A key or value converter by name, configured; ConfigException for an unknown name. */
export function createConverter(name: string, props: Readonly<Record<string, string>>, isKey: boolean): Converter {
  const plugin = findConverter(name);
  if (!plugin) throw new ConfigException(isKey ? 'key.converter' : 'value.converter', name, `Class ${name} could not be found.`);
  return plugin.create(props, isKey);
}

export function createHeaderConverter(name: string, props: Readonly<Record<string, string>>): HeaderConverter {
  const plugin = findHeaderConverter(name);
  if (!plugin?.createHeaderConverter) throw new ConfigException('header.converter', name, `Class ${name} could not be found.`);
  return plugin.createHeaderConverter(props);
}
