// Predicates (org.apache.kafka.connect.transforms.predicates): conditions a transform runs
// under (`transforms.X.predicate=P`, `transforms.X.negate=true` to invert). TopicNameMatches
// (the whole topic matches the Java regex `pattern`), HasHeaderKey (a header named `name`
// exists), RecordIsTombstone (the value is null).
import { ConfigDef } from '../config/def.ts';
import { CompositeValidator, NonEmptyString, RegexValidator } from '../config/validators.ts';
import { ConfigException } from '../data/exceptions.ts';
import type { ConnectRecord } from '../data/record.ts';
import { compileJavaRegex, type JavaPattern } from '../data/regex.ts';

export interface Predicate {
  test(record: ConnectRecord): boolean;
}

export interface PredicatePlugin {
  readonly className: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly doc: string;
  config(): ConfigDef;
  create(props: Readonly<Record<string, string>>): Predicate;
}

const PACKAGE = 'org.apache.kafka.connect.transforms.predicates';

const plugin = (name: string, doc: string, config: ConfigDef, create: PredicatePlugin['create']): PredicatePlugin => ({
  className: `${PACKAGE}.${name}`,
  aliases: [name],
  version: '1.0',
  doc,
  config: () => config,
  create,
});

const TOPIC_NAME_MATCHES_CONFIG = new ConfigDef().define({
  name: 'pattern',
  type: 'STRING',
  validator: CompositeValidator.of(NonEmptyString, RegexValidator),
  importance: 'MEDIUM',
  documentation: "A Java regular expression for matching against the name of a record's topic.",
});

const HAS_HEADER_KEY_CONFIG = new ConfigDef().define({
  name: 'name',
  type: 'STRING',
  validator: NonEmptyString,
  importance: 'MEDIUM',
  documentation: 'The header name.',
});

export const PREDICATES: readonly PredicatePlugin[] = [
  plugin('TopicNameMatches', 'A predicate which is true for records with a topic name that matches the configured regular expression.', TOPIC_NAME_MATCHES_CONFIG, (props) => {
    const value = TOPIC_NAME_MATCHES_CONFIG.parse(props).pattern as string;
    let pattern: JavaPattern;
    try {
      pattern = compileJavaRegex(value);
    } catch (err) {
      throw new ConfigException('pattern', value, `entry must be a Java-compatible regular expression: ${(err as Error).message}`);
    }
    return { test: (record) => record.topic !== null && pattern.matches(record.topic) };
  }),
  plugin('HasHeaderKey', 'A predicate which is true for records with at least one header with the configured name.', HAS_HEADER_KEY_CONFIG, (props) => {
    const name = HAS_HEADER_KEY_CONFIG.parse(props).name as string;
    return { test: (record) => record.headers.some((h) => h.key === name) };
  }),
  plugin('RecordIsTombstone', 'A predicate which is true for records which are tombstones (i.e. have null value).', new ConfigDef(), () => ({
    test: (record) => record.value === null,
  })),
];

export function findPredicate(name: string): PredicatePlugin | undefined {
  return PREDICATES.find((p) => p.className === name || p.aliases.includes(name));
}
