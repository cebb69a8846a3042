// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics, with Kafka's
// config names (the log's TOPIC_CONFIGS). A broker resource (this node) describes as
// empty: brokers have no settings a client can change here. AlterConfigs replaces the
// whole set of a topic's overrides (unlisted ones return to their default), as in Kafka;
// IncrementalAlterConfigs sets or deletes single keys. List operations (APPEND,
// SUBTRACT) are refused: no topic config Sluice supports is a list of several values.
import { InvalidRequestError, isSluiceError } from '../../core/errors.ts';
import { DEFAULT_CONFIG, TOPIC_CONFIGS } from '../../log/index.ts';
import { parseConfigOverrides } from '../../log/config.ts';
import { E, errorCodeOf, errorMessageOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, RequestContext } from '../server/context.ts';

const TOPIC = 2;
const BROKER = 4;
/** Kafka's ConfigSource values. */
const DYNAMIC_TOPIC_CONFIG = 1;
const DEFAULT_SOURCE = 5;
/** Kafka's ConfigType values. */
const TYPE_STRING = 2;
const TYPE_LONG = 5;
const OPS = { SET: 0, DELETE: 1 } as const;

export interface ConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
  configSource: number;
  documentation: string;
  configType: number;
}

/** Effective topic configs from stored overrides, optionally only the keys asked for. */
export function describeTopicConfigs(overrides: Record<string, string>, keys: string[] | null, _docs: boolean): ConfigEntry[] {
  // Configs accepted only for compatibility have no default: they describe only once set.
  const names = Object.keys(TOPIC_CONFIGS).filter(
    (k) => (keys === null || keys.includes(k)) && (Object.hasOwn(overrides, k) || Object.hasOwn(DEFAULT_CONFIG, k)),
  );
  return names.map((name) => {
    const set = Object.hasOwn(overrides, name);
    const spec: { doc: string } = TOPIC_CONFIGS[name as keyof typeof TOPIC_CONFIGS];
    const value = set ? overrides[name]! : DEFAULT_CONFIG[name as keyof typeof DEFAULT_CONFIG];
    return {
      name,
      value,
      isDefault: !set,
      configSource: set ? DYNAMIC_TOPIC_CONFIG : DEFAULT_SOURCE,
      documentation: spec.doc,
      configType: /^-?\d+$/.test(value) ? TYPE_LONG : TYPE_STRING,
    };
  });
}

const resourceError = (r: Message, err: unknown) => ({
  errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err), resourceType: r.resourceType, resourceName: r.resourceName,
});

async function describeOne(ctx: RequestContext, r: Message, req: Message): Promise<Message> {
  const base = { errorCode: E.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName };
  try {
    if (r.resourceType === BROKER) return { ...base, configs: [] };
    if (r.resourceType !== TOPIC) throw new InvalidRequestError(`Resource type ${r.resourceType} has no configs here.`);
    const topic = await ctx.services.log.topics.require(r.resourceName, { fresh: true });
    const entries = describeTopicConfigs(topic.config, r.configurationKeys, req.includeDocumentation);
    return {
      ...base,
      configs: entries.map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: false,
        isDefault: c.isDefault,
        configSource: c.configSource,
        isSensitive: false,
        synonyms: req.includeSynonyms ? [{ name: c.name, value: c.value, source: c.configSource }] : [],
        configType: c.configType,
        documentation: req.includeDocumentation ? c.documentation : null,
      })),
    };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return { ...resourceError(r, err), configs: [] };
  }
}

export const handleDescribeConfigs: Handler = async (ctx, req) => ({
  throttleTimeMs: 0,
  results: await Promise.all((req.resources as Message[]).map((r) => describeOne(ctx, r, req))),
});

/** Applies `changes` (null = back to default) to a topic, or only checks them. */
async function alterTopic(ctx: RequestContext, r: Message, changes: Record<string, string | null>, validateOnly: boolean): Promise<Message> {
  try {
    if (r.resourceType !== TOPIC) throw new InvalidRequestError(`Only topic configs can be altered (resource type ${r.resourceType}).`);
    await ctx.services.log.topics.require(r.resourceName, { fresh: true });
    parseConfigOverrides(changes);
    if (!validateOnly) await ctx.services.log.alterTopic(r.resourceName, { config: changes });
    return { errorCode: E.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return resourceError(r, err);
  }
}

export const handleAlterConfigs: Handler = async (ctx, req) => ({
  throttleTimeMs: 0,
  responses: await Promise.all(
    (req.resources as Message[]).map(async (r) => {
      const changes: Record<string, string | null> = {};
      if (r.resourceType === TOPIC) {
        const current = await ctx.services.log.topics.require(r.resourceName, { fresh: true }).catch(() => undefined);
        for (const key of Object.keys(current?.config ?? {})) changes[key] = null;
      }
      for (const c of r.configs as Message[]) changes[c.name] = c.value;
      return alterTopic(ctx, r, changes, req.validateOnly);
    }),
  ),
});

export const handleIncrementalAlterConfigs: Handler = async (ctx, req) => ({
  throttleTimeMs: 0,
  responses: await Promise.all(
    (req.resources as Message[]).map(async (r) => {
      const changes: Record<string, string | null> = {};
      for (const c of r.configs as Message[]) {
        if (c.configOperation === OPS.SET) changes[c.name] = c.value;
        else if (c.configOperation === OPS.DELETE) changes[c.name] = null;
        else {
          return resourceError(r, new InvalidRequestError(`Operation ${c.configOperation} on '${c.name}': only SET and DELETE are supported.`));
        }
      }
      return alterTopic(ctx, r, changes, req.validateOnly);
    }),
  ),
});
