// Every built-in single message transform, by Kafka's class names (and the short names
// `InsertField$Value`, `RegexRouter`, ...), and the chain a connector's `transforms`
// setting builds from them (chain.ts).
import { cast } from './cast.ts';
import { extractField } from './extractField.ts';
import { flatten } from './flatten.ts';
import { dropHeaders, filter, insertHeader } from './headers.ts';
import { hoistField } from './hoistField.ts';
import { insertField } from './insertField.ts';
import { maskField } from './maskField.ts';
import { replaceField } from './replaceField.ts';
import { regexRouter, timestampRouter } from './routers.ts';
import { timestampConverter } from './timestampConverter.ts';
import type { TransformationPlugin } from './transformation.ts';
import { valueToKey } from './valueToKey.ts';

export type { Transformation, TransformationPlugin } from './transformation.ts';

export const TRANSFORMATIONS: readonly TransformationPlugin[] = [
  ...cast,
  dropHeaders,
  ...extractField,
  filter,
  ...flatten,
  ...hoistField,
  ...insertField,
  insertHeader,
  ...maskField,
  regexRouter,
  ...replaceField,
  ...timestampConverter,
  timestampRouter,
  valueToKey,
];

export function findTransformation(name: string): TransformationPlugin | undefined {
  return TRANSFORMATIONS.find((p) => p.className === name || p.aliases.includes(name));
}
