// Validation of a connector's settings, answered in Kafka Connect's ConfigInfos shape
// (`PUT /v1/connector-plugins/{plugin}/config/validate`): every setting with its
// definition, its value and its errors, and the total error count. The same validation
// runs before a connector is created or changed, so a stored connector always has
// settings it can run with. Beyond each setting's type and validator this checks what
// Kafka checks (a sink's topics, the dead-letter topic, duplicate aliases) and what would
// otherwise fail only when the connector starts: each transform and predicate and
// converter is configured once, and its error is reported on the setting that names it.
import type { ConfigInfos, ConfigKeyInfo, ConfigValueInfo } from '../../core/connectors.ts';
import { createConverter, createHeaderConverter, DEFAULT_HEADER_CONVERTER, DEFAULT_KEY_CONVERTER, DEFAULT_VALUE_CONVERTER } from '../converters/index.ts';
import type { Connector } from '../plugins/define.ts';
import { findPredicate } from '../predicates/index.ts';
import { aliasesOf, withPrefix } from '../transforms/chain.ts';
import { findTransformation } from '../transforms/index.ts';
import { connectorConfigDef, enrich, sinkConnectorConfigDef, sinkTopicErrors } from './connector.ts';
import { convertToString, NO_DEFAULT, type ConfigDef, type ConfigKey, type ConfigValue } from './def.ts';

export type ErrorsBySetting = Record<string, string[]>;

/** The definition a connector's settings are validated against (without its own settings). */
export function frameworkConfigDef(connector: Connector, props: Readonly<Record<string, string>>): ConfigDef {
  return enrich(connector.type === 'sink' ? sinkConnectorConfigDef() : connectorConfigDef(), props);
}

/**
 * Validates `props` for `connector` (`className` names it in the answer). `extra` adds
 * errors the caller knows of (where the connector may run, topic names).
 */
export function validateConnectorConfig(
  connector: Connector,
  className: string,
  props: Readonly<Record<string, string>>,
  extra: ErrorsBySetting = {},
): ConfigInfos {
  const framework = frameworkConfigDef(connector, props);
  const values = framework.validate(props);
  const own = connector.configDef.validate(props);
  const errors: ErrorsBySetting = {};
  const add = (found: ErrorsBySetting) => {
    for (const [k, list] of Object.entries(found)) for (const m of list) (errors[k] ??= []).push(m);
  };
  if (connector.type === 'sink') add(sinkTopicErrors(props));
  if (!hasErrors(values, 'transforms', 'predicates')) add(chainErrors(props, values));
  add(converterErrors(props, values));
  add(ownErrors(connector, props));
  add(extra);

  const configs: ConfigInfos['configs'] = [];
  const seen = new Set<string>();
  for (const [def, vals] of [
    [framework, values],
    [connector.configDef, own],
  ] as const) {
    for (const key of def.configKeys()) {
      if (seen.has(key.name)) continue;
      seen.add(key.name);
      const v = vals.get(key.name)!;
      configs.push({ definition: keyInfo(key), value: valueInfo(key, v, props, errors[key.name] ?? []) });
    }
  }
  // Errors on settings no definition has (a transform's setting under an unknown type).
  for (const [name, list] of Object.entries(errors)) {
    if (seen.has(name)) continue;
    configs.push({
      definition: { name, type: 'STRING', required: false, default_value: null, importance: 'LOW', documentation: '', group: null, order: -1, width: 'NONE', display_name: name, dependents: [] },
      value: { name, value: props[name] ?? null, recommended_values: [], errors: list, visible: true },
    });
  }
  const groups = [...new Set([...framework.groups(), ...connector.configDef.groups()])];
  return { name: className, error_count: configs.reduce((n, c) => n + c.value.errors.length, 0), groups, configs };
}

const hasErrors = (values: Map<string, ConfigValue>, ...names: string[]) => names.some((n) => (values.get(n)?.errors.length ?? 0) > 0);

/**
 * Each transform and predicate configured as the chain will configure it, when its own
 * settings passed: what only configuring finds (InsertField without any field) is
 * reported on its type setting, a predicate reference on the transform's predicate setting.
 */
function chainErrors(props: Readonly<Record<string, string>>, values: Map<string, ConfigValue>): ErrorsBySetting {
  const out: ErrorsBySetting = {};
  const add = (k: string, m: string) => (out[k] ??= []).push(m);
  const clean = (prefix: string) => ![...values.keys()].some((k) => k.startsWith(prefix) && values.get(k)!.errors.length > 0);
  const predicates = new Set(aliasesOf(props, 'predicates'));
  for (const alias of predicates) {
    const prefix = `predicates.${alias}.`;
    const plugin = findPredicate((props[`${prefix}type`] ?? '').trim());
    if (!plugin || !clean(prefix)) continue;
    try {
      plugin.create(withPrefix(props, prefix));
    } catch (err) {
      add(`${prefix}type`, (err as Error).message);
    }
  }
  for (const alias of aliasesOf(props, 'transforms')) {
    const prefix = `transforms.${alias}.`;
    const { type, predicate, negate, ...rest } = withPrefix(props, prefix);
    if (negate !== undefined && predicate === undefined) {
      add(`${prefix}negate`, `Config '${prefix}negate' was provided but there is no config '${prefix}predicate' defining a predicate to be negated.`);
    }
    if (predicate !== undefined && !predicates.has(predicate.trim())) {
      add(`${prefix}predicate`, `Invalid value ${predicate} for configuration ${prefix}predicate: Predicate '${predicate.trim()}' is not listed in 'predicates'`);
    }
    const plugin = findTransformation((type ?? '').trim());
    if (!plugin || !clean(prefix)) continue;
    try {
      plugin.create(rest);
    } catch (err) {
      add(`${prefix}type`, (err as Error).message);
    }
  }
  return out;
}

function converterErrors(props: Readonly<Record<string, string>>, values: Map<string, ConfigValue>): ErrorsBySetting {
  const out: ErrorsBySetting = {};
  const tries: [string, () => unknown][] = [
    ['key.converter', () => createConverter((props['key.converter'] ?? DEFAULT_KEY_CONVERTER).trim(), withPrefix(props, 'key.converter.'), true)],
    ['value.converter', () => createConverter((props['value.converter'] ?? DEFAULT_VALUE_CONVERTER).trim(), withPrefix(props, 'value.converter.'), false)],
    ['header.converter', () => createHeaderConverter((props['header.converter'] ?? DEFAULT_HEADER_CONVERTER).trim(), withPrefix(props, 'header.converter.'))],
  ];
  for (const [setting, create] of tries) {
    if (values.get(setting)!.errors.length > 0 || [...values.keys()].some((k) => k.startsWith(`${setting}.`) && values.get(k)!.errors.length > 0)) continue;
    try {
      create();
    } catch (err) {
      (out[setting] ??= []).push((err as Error).message);
    }
  }
  return out;
}

function ownErrors(connector: Connector, props: Readonly<Record<string, string>>): ErrorsBySetting {
  try {
    return connector.validate?.(props) ?? {};
  } catch (err) {
    return { 'connector.class': [`The connector's validation failed: ${(err as Error).message}`] };
  }
}

function keyInfo(k: ConfigKey): ConfigKeyInfo {
  return {
    name: k.name,
    type: k.type,
    required: k.defaultValue === NO_DEFAULT,
    default_value: k.defaultValue === NO_DEFAULT ? null : convertToString(k.defaultValue, k.type),
    importance: k.importance,
    documentation: k.documentation,
    group: k.group ?? null,
    order: k.orderInGroup,
    width: k.width,
    display_name: k.displayName,
    dependents: [],
  };
}

function valueInfo(k: ConfigKey, v: ConfigValue, props: Readonly<Record<string, string>>, more: string[]): ConfigValueInfo {
  const value = v.errors.length > 0 && props[k.name] !== undefined ? props[k.name]! : convertToString(v.value, k.type);
  return { name: k.name, value: k.type === 'PASSWORD' && value !== null ? '[hidden]' : value, recommended_values: v.recommendedValues, errors: [...v.errors, ...more], visible: v.visible };
}

/** Every error of a validation, as "setting: message" lines (for the INVALID_CONFIG answer). */
export function errorLines(infos: ConfigInfos): string[] {
  return infos.configs.flatMap((c) => c.value.errors.map((e) => (e.includes(c.definition.name) ? e : `${c.definition.name}: ${e}`)));
}
