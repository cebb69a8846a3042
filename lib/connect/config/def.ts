// ConfigDef, as Kafka's org.apache.kafka.common.config.ConfigDef: the settings a plugin
// (connector, converter, transform, predicate) takes, each with a type, a default (or
// none: required), a validator, an importance and documentation, and the group and order
// the validation answer lists it under. `parse` reads a plugin's string settings as Kafka's
// AbstractConfig does (throwing the first ConfigException); `validate` collects every
// error per setting instead, for `PUT /connector-plugins/{plugin}/config/validate`.
//
// Values arrive as strings (Kafka Connect's configs are Map<String,String>) and are parsed
// by type, with Kafka's words for each failure:
//   BOOLEAN true/false (any case) · STRING trimmed · INT/SHORT/LONG decimal integers in range
//   DOUBLE a number · LIST comma separated, trimmed ("" is empty) · CLASS a plugin name
//   PASSWORD a string shown as [hidden]
import { ConfigException } from '../data/exceptions.ts';

export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';
export type Width = 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';

/** Marks a setting without a default: it is required. */
export const NO_DEFAULT = Symbol('NO_DEFAULT_VALUE');

export interface Validator {
  /** Throws ConfigException when `value` (already parsed, or null) is not valid for `name`. */
  ensureValid(name: string, value: unknown): void;
  /** What valid values are, in words (shown in documentation). */
  toString(): string;
}

/** A secret setting's value: its text is never shown (Kafka's Password). */
export class Password {
  constructor(readonly value: string) {}
  toString(): string {
    return '[hidden]';
  }
  toJSON(): string {
    return '[hidden]';
  }
}

export interface ConfigKeyInput {
  name: string;
  type: ConfigType;
  /** Parsed value or its string form (a STRING default is kept as written); omitted (or NO_DEFAULT): required. */
  defaultValue?: unknown;
  validator?: Validator;
  importance?: Importance;
  documentation?: string;
  group?: string;
  orderInGroup?: number;
  width?: Width;
  displayName?: string;
}

export interface ConfigKey extends Required<Omit<ConfigKeyInput, 'validator' | 'group' | 'orderInGroup' | 'defaultValue'>> {
  defaultValue: unknown;
  validator: Validator | undefined;
  group: string | undefined;
  orderInGroup: number;
}

/** One setting's outcome of validation (Kafka's ConfigValue). */
export interface ConfigValue {
  name: string;
  value: unknown;
  errors: string[];
  recommendedValues: string[];
  visible: boolean;
}

export class ConfigDef {
  private readonly keys = new Map<string, ConfigKey>();
  private readonly groupList: string[] = [];

  constructor(base?: ConfigDef) {
    if (base) for (const k of base.configKeys()) this.defineKey(k);
  }

  /** Defines a setting; a name defined twice is a programming error. */
  define(input: ConfigKeyInput): this {
    if (this.keys.has(input.name)) throw new ConfigException(`Configuration ${input.name} is defined twice.`);
    const defaultValue =
      input.defaultValue === undefined || input.defaultValue === NO_DEFAULT
        ? NO_DEFAULT
        : typeof input.defaultValue === 'string' && input.type !== 'STRING'
          ? parseType(input.name, input.defaultValue, input.type)
          : input.defaultValue;
    if (defaultValue !== NO_DEFAULT && input.validator) input.validator.ensureValid(input.name, defaultValue);
    return this.defineKey({
      name: input.name,
      type: input.type,
      defaultValue,
      validator: input.validator,
      importance: input.importance ?? 'MEDIUM',
      documentation: input.documentation ?? '',
      group: input.group,
      orderInGroup: input.orderInGroup ?? -1,
      width: input.width ?? 'NONE',
      displayName: input.displayName ?? input.name,
    });
  }

  private defineKey(key: ConfigKey): this {
    this.keys.set(key.name, key);
    if (key.group !== undefined && !this.groupList.includes(key.group)) this.groupList.push(key.group);
    return this;
  }

  /** Every key of `other`, prefixed and moved into `group` (Kafka's ConfigDef.embed). */
  embed(prefix: string, group: string, startingOrder: number, other: ConfigDef): this {
    let order = startingOrder;
    for (const k of other.configKeys()) {
      this.defineKey({ ...k, name: `${prefix}${k.name}`, group, orderInGroup: order++ });
    }
    return this;
  }

  configKeys(): ConfigKey[] {
    return [...this.keys.values()];
  }

  key(name: string): ConfigKey | undefined {
    return this.keys.get(name);
  }

  names(): string[] {
    return [...this.keys.keys()];
  }

  groups(): readonly string[] {
    return this.groupList;
  }

  /** Every setting parsed and validated, as AbstractConfig would; throws the first problem. */
  parse(props: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of this.keys.values()) {
      let value: unknown;
      if (props[key.name] !== undefined) value = parseType(key.name, props[key.name]!, key.type);
      else if (key.defaultValue === NO_DEFAULT) throw new ConfigException(`Missing required configuration "${key.name}" which has no default value.`);
      else value = key.defaultValue;
      key.validator?.ensureValid(key.name, value);
      out[key.name] = value;
    }
    return out;
  }

  /** Each setting's parsed value and every error (Kafka's ConfigDef.validateAll). */
  validate(props: Readonly<Record<string, string | undefined>>): Map<string, ConfigValue> {
    const out = new Map<string, ConfigValue>();
    for (const key of this.keys.values()) {
      const cv: ConfigValue = { name: key.name, value: null, errors: [], recommendedValues: [], visible: true };
      let value: unknown = null;
      if (props[key.name] !== undefined) {
        try {
          value = parseType(key.name, props[key.name]!, key.type);
        } catch (err) {
          cv.errors.push((err as Error).message);
        }
      } else if (key.defaultValue === NO_DEFAULT) {
        cv.errors.push(`Missing required configuration "${key.name}" which has no default value.`);
      } else {
        value = key.defaultValue;
      }
      if (key.validator) {
        try {
          key.validator.ensureValid(key.name, value);
        } catch (err) {
          cv.errors.push((err as Error).message);
        }
      }
      cv.value = value;
      out.set(key.name, cv);
    }
    return out;
  }
}

const INT_LIMITS: Partial<Record<ConfigType, [bigint, bigint, string]>> = {
  SHORT: [-32768n, 32767n, '16-bit integer (short)'],
  INT: [-2147483648n, 2147483647n, '32-bit integer'],
  LONG: [-9223372036854775808n, 9223372036854775807n, '64-bit integer (long)'],
};

/** Kafka's ConfigDef.parseType for a string value. */
export function parseType(name: string, value: string, type: ConfigType): unknown {
  const trimmed = value.trim();
  switch (type) {
    case 'BOOLEAN':
      if (trimmed.toLowerCase() === 'true') return true;
      if (trimmed.toLowerCase() === 'false') return false;
      throw new ConfigException(name, value, 'Expected value to be either true or false');
    case 'PASSWORD':
      return new Password(trimmed);
    case 'STRING':
    case 'CLASS':
      return trimmed;
    case 'SHORT':
    case 'INT':
    case 'LONG': {
      const [min, max] = INT_LIMITS[type]!;
      if (!/^[+-]?\d+$/.test(trimmed)) throw new ConfigException(name, value, `Not a number of type ${type}`);
      const n = BigInt(trimmed);
      if (n < min || n > max) throw new ConfigException(name, value, `Not a number of type ${type}`);
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new ConfigException(name, value, `Not a number of type ${type}: beyond ${Number.MAX_SAFE_INTEGER}`);
      }
      return Number(n);
    }
    case 'DOUBLE': {
      const n = trimmed === '' ? Number.NaN : Number(trimmed);
      if (Number.isNaN(n) && trimmed !== 'NaN') throw new ConfigException(name, value, `Not a number of type ${type}`);
      return n;
    }
    case 'LIST':
      return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
  }
}

/** Kafka's ConfigDef.convertToString: a parsed value in its string form (null for null). */
export function convertToString(value: unknown, type: ConfigType): string | null {
  if (value === null || value === undefined || value === NO_DEFAULT) return null;
  if (type === 'LIST' && Array.isArray(value)) return value.join(',');
  return String(value);
}
