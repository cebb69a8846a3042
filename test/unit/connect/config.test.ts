// ConfigDef parsing and validation with Kafka's messages, and connector validation in the
// ConfigInfos shape of PUT /connector-plugins/{plugin}/config/validate.
import { describe, expect, it } from 'vitest';
import { ConfigDef, parseType, Password } from '../../../lib/connect/config/def.ts';
import { validateConnectorConfig } from '../../../lib/connect/config/validate.ts';
import { Range, ValidString } from '../../../lib/connect/config/validators.ts';
import { ConfigException } from '../../../lib/connect/data/exceptions.ts';
import { defineSinkConnector, defineSourceConnector } from '../../../lib/connect/plugins/define.ts';

describe('ConfigDef', () => {
  it('parses each type from strings as Kafka does', () => {
    expect(parseType('b', ' TRUE ', 'BOOLEAN')).toBe(true);
    expect(parseType('i', ' 42 ', 'INT')).toBe(42);
    expect(parseType('l', '-9007199254740991', 'LONG')).toBe(-9007199254740991);
    expect(parseType('d', '1.5', 'DOUBLE')).toBe(1.5);
    expect(parseType('list', ' a , b,c ', 'LIST')).toEqual(['a', 'b', 'c']);
    expect(parseType('list', '  ', 'LIST')).toEqual([]);
    expect(String(parseType('p', 'secret', 'PASSWORD'))).toBe('[hidden]');
  });

  it('refuses bad values with Kafka\'s words', () => {
    expect(() => parseType('b', 'yes', 'BOOLEAN')).toThrow('Invalid value yes for configuration b: Expected value to be either true or false');
    expect(() => parseType('i', '2147483648', 'INT')).toThrow('Invalid value 2147483648 for configuration i: Not a number of type INT');
    expect(() => parseType('s', '1.5', 'SHORT')).toThrow(/Not a number of type SHORT/);
  });

  it('parse throws the first problem; validate collects every one', () => {
    const def = new ConfigDef()
      .define({ name: 'required', type: 'STRING' })
      .define({ name: 'n', type: 'INT', defaultValue: 1, validator: Range.between(1, 5) })
      .define({ name: 'mode', type: 'STRING', defaultValue: 'a', validator: ValidString.in('a', 'b') });
    expect(() => def.parse({})).toThrow('Missing required configuration "required" which has no default value.');
    expect(def.parse({ required: 'x', n: '3' })).toEqual({ required: 'x', n: 3, mode: 'a' });
    const v = def.validate({ n: '9', mode: 'c' });
    expect(v.get('required')!.errors).toEqual(['Missing required configuration "required" which has no default value.']);
    expect(v.get('n')!.errors).toEqual(['Invalid value 9 for configuration n: Value must be no more than 5']);
    expect(v.get('mode')!.errors).toEqual(['Invalid value c for configuration mode: String must be one of: a, b']);
  });

  it('a name defined twice is refused', () => {
    expect(() => new ConfigDef().define({ name: 'a', type: 'INT' }).define({ name: 'a', type: 'INT' })).toThrow(ConfigException);
    expect(new Password('x').toString()).toBe('[hidden]');
  });
});

const sink = defineSinkConnector({
  configDef: { file: { type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: 'Destination filename.' } },
  put: () => undefined,
});
const source = defineSourceConnector({
  configDef: new ConfigDef().define({ name: 'topic', type: 'STRING', importance: 'HIGH', documentation: 'The topic to publish data to' }),
  poll: () => null,
});

const base = { name: 'local-file-sink', 'connector.class': 'FileStreamSink' };
const value = (infos: ReturnType<typeof validateConnectorConfig>, name: string) => infos.configs.find((c) => c.definition.name === name)!;

describe('connector validation (ConfigInfos)', () => {
  it('answers every setting with definition and value, and counts no errors for a good config', () => {
    const infos = validateConnectorConfig(sink, 'FileStreamSink', { ...base, topics: 'connect-test', file: 'out.txt' });
    expect(infos).toMatchObject({ name: 'FileStreamSink', error_count: 0 });
    expect(infos.groups).toEqual(expect.arrayContaining(['Common', 'Transforms', 'Predicates', 'Error Handling']));
    expect(value(infos, 'tasks.max')).toEqual({
      definition: {
        name: 'tasks.max',
        type: 'INT',
        required: false,
        default_value: '1',
        importance: 'HIGH',
        documentation: 'Maximum number of tasks to use for this connector.',
        group: 'Common',
        order: 3,
        width: 'SHORT',
        display_name: 'Tasks max',
        dependents: [],
      },
      value: { name: 'tasks.max', value: '1', recommended_values: [], errors: [], visible: true },
    });
    expect(value(infos, 'file').value.value).toBe('out.txt');
    expect(value(infos, 'key.converter').value.value).toBe('org.apache.kafka.connect.json.JsonConverter');
    expect(value(infos, 'key.converter.schemas.enable').value.value).toBe('true');
  });

  it('reports per-field errors: types, validators, topics and the dead-letter topic', () => {
    const infos = validateConnectorConfig(sink, 'FileStreamSink', {
      ...base,
      'tasks.max': '0',
      'errors.tolerance': 'some',
      topics: 'a,dlq',
      'topics.regex': 'a.*',
      'errors.deadletterqueue.topic.name': 'dlq',
    });
    expect(value(infos, 'tasks.max').value.errors).toEqual(['Invalid value 0 for configuration tasks.max: Value must be at least 1']);
    expect(value(infos, 'errors.tolerance').value.errors).toEqual(['Invalid value some for configuration errors.tolerance: String must be one of: none, all']);
    expect(value(infos, 'topics').value.errors).toEqual([
      'topics and topics.regex are mutually exclusive options, but both are set.',
      "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') consumed by the connector",
    ]);
    expect(value(infos, 'topics.regex').value.errors[0]).toMatch(/mutually exclusive/);
    expect(infos.error_count).toBe(5);
  });

  it('a sink needs topics or topics.regex; a source has neither setting', () => {
    expect(value(validateConnectorConfig(sink, 'FileStreamSink', base), 'topics').value.errors).toEqual(['Must configure one of topics or topics.regex']);
    const src = validateConnectorConfig(source, 'FileStreamSource', { name: 's', 'connector.class': 'FileStreamSource', topic: 't' });
    expect(src.error_count).toBe(0);
    expect(src.configs.some((c) => c.definition.name === 'topics')).toBe(false);
    expect(value(validateConnectorConfig(source, 'FileStreamSource', { name: 's' }), 'topic').value.errors[0]).toMatch(/Missing required configuration "topic"/);
  });

  it('enriches transforms and predicates with their own settings and checks them', () => {
    const infos = validateConnectorConfig(sink, 'FileStreamSink', {
      ...base,
      topics: 't',
      transforms: 'Cast,Insert,Route',
      'transforms.Cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
      'transforms.Cast.spec': 'a:array',
      'transforms.Insert.type': 'InsertField$Value',
      'transforms.Route.type': 'com.example.Unknown',
      'transforms.Route.predicate': 'Missing',
      predicates: 'P',
      'predicates.P.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
    });
    expect(infos.groups).toEqual(expect.arrayContaining(['Transforms: Cast', 'Transforms: Insert', 'Predicates: P']));
    expect(value(infos, 'transforms.Cast.spec').value.errors[0]).toMatch(/does not support casting to ARRAY/);
    expect(value(infos, 'transforms.Insert.type').value.errors).toEqual(['No field insertion configured']);
    expect(value(infos, 'transforms.Route.type').value.errors).toEqual(['Invalid value com.example.Unknown for configuration transforms.Route.type: Class com.example.Unknown could not be found.']);
    expect(value(infos, 'transforms.Route.predicate').value.errors[0]).toMatch(/not listed in 'predicates'/);
    expect(value(infos, 'predicates.P.pattern').value.errors[0]).toMatch(/Missing required configuration "predicates.P.pattern"/);
    expect(value(infos, 'transforms.Insert.static.field').definition.group).toBe('Transforms: Insert');
  });

  it('checks converters and their settings, and duplicate aliases', () => {
    const infos = validateConnectorConfig(sink, 'FileStreamSink', {
      ...base,
      topics: 't',
      'value.converter': 'com.example.AvroConverter',
      'key.converter.schemas.enable': 'maybe',
      transforms: 'a,a',
    });
    expect(value(infos, 'value.converter').value.errors[0]).toMatch(/could not be found/);
    expect(value(infos, 'key.converter.schemas.enable').value.errors[0]).toMatch(/Expected value to be either true or false/);
    expect(value(infos, 'transforms').value.errors).toEqual(['Invalid value a,a for configuration transforms: Duplicate alias provided.']);
  });

  it('adds the connector\'s own validation and the caller\'s errors', () => {
    const picky = defineSinkConnector({ configDef: {}, validate: (props): Record<string, string[]> => (props.topics === 'bad' ? { topics: ['not this one'] } : {}), put: () => undefined });
    const infos = validateConnectorConfig(picky, 'Picky', { ...base, topics: 'bad' }, { 'connector.class': ['only locally'] });
    expect(value(infos, 'topics').value.errors).toEqual(['not this one']);
    expect(value(infos, 'connector.class').value.errors).toEqual(['only locally']);
    expect(infos.error_count).toBe(2);
  });
});
