// The transformation chain of a connector, as Kafka's TransformationChain and
// TransformationStage: `transforms=A,B` lists aliases in the order they run; each alias
// has `transforms.A.type` and its own settings under `transforms.A.`; `predicates=P`
// lists predicate aliases likewise. `transforms.A.predicate=P` runs A only on records P
// holds for, `transforms.A.negate=true` only on those it does not. A transform answering
// null drops the record: the rest of the chain does not see it.
//
//   transforms=Filter,Extract
//   transforms.Filter.type=org.apache.kafka.connect.transforms.Filter
//   transforms.Filter.predicate=IsFoo
//   transforms.Extract.type=org.apache.kafka.connect.transforms.ExtractField$Key
//   transforms.Extract.field=other_field
//   transforms.Extract.predicate=IsBar
//   transforms.Extract.negate=true
//   predicates=IsFoo,IsBar
//   predicates.IsFoo.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches
//   predicates.IsFoo.pattern=foo
import { parseType } from '../config/def.ts';
import { ConfigException } from '../data/exceptions.ts';
import type { ConnectRecord } from '../data/record.ts';
import { findPredicate, type Predicate } from '../predicates/index.ts';
import { findTransformation } from './index.ts';
import type { Transformation } from './transformation.ts';

export interface TransformationStage {
  alias: string;
  /** The transform's class name, for error reports (`__connect.errors.class.name`). */
  className: string;
  transformation: Transformation;
  predicate?: Predicate;
  negate: boolean;
}

/** The settings under `prefix`, with the prefix removed. */
export function withPrefix(props: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** The aliases a LIST setting names (`transforms`, `predicates`), in order. */
export const aliasesOf = (props: Readonly<Record<string, string>>, key: string): string[] => parseType(key, props[key] ?? '', 'LIST') as string[];

/** Builds each stage from the connector's settings; ConfigException for the first problem. */
export function transformationStages(props: Readonly<Record<string, string>>): TransformationStage[] {
  const predicates = new Set(aliasesOf(props, 'predicates'));
  return aliasesOf(props, 'transforms').map((alias) => {
    const prefix = `transforms.${alias}.`;
    const { type, predicate: predicateAlias, negate, ...rest } = withPrefix(props, prefix);
    if (type === undefined) throw new ConfigException(`Missing required configuration "${prefix}type" which has no default value.`);
    const plugin = findTransformation(type.trim());
    if (!plugin) throw new ConfigException(`${prefix}type`, type, `Class ${type} could not be found.`);
    const stage: TransformationStage = { alias, className: plugin.className, transformation: plugin.create(rest), negate: false };
    if (negate !== undefined && predicateAlias === undefined) {
      throw new ConfigException(`Config '${prefix}negate' was provided but there is no config '${prefix}predicate' defining a predicate to be negated.`);
    }
    if (predicateAlias !== undefined) {
      const p = predicateAlias.trim();
      if (!predicates.has(p)) throw new ConfigException(`${prefix}predicate`, p, `Predicate '${p}' is not listed in 'predicates'`);
      const pPrefix = `predicates.${p}.`;
      const { type: pType, ...pProps } = withPrefix(props, pPrefix);
      if (pType === undefined) throw new ConfigException(`Missing required configuration "${pPrefix}type" which has no default value.`);
      const pPlugin = findPredicate(pType.trim());
      if (!pPlugin) throw new ConfigException(`${pPrefix}type`, pType, `Class ${pType} could not be found.`);
      stage.predicate = pPlugin.create(pProps);
      stage.negate = parseType(`${prefix}negate`, negate ?? 'false', 'BOOLEAN') as boolean;
    }
    return stage;
  });
}

/** Whether a stage transforms this record (its predicate, negated or not, holds). */
export const stageApplies = (stage: TransformationStage, record: ConnectRecord): boolean =>
  !stage.predicate || stage.predicate.test(record) !== stage.negate;

/** Runs the chain; null when a stage dropped the record. */
export function applyChain<R extends ConnectRecord>(stages: readonly TransformationStage[], record: R): R | null {
  let current: R | null = record;
  for (const stage of stages) {
    if (current === null) return null;
    if (stageApplies(stage, current)) current = stage.transformation.apply(current);
  }
  return current;
}
