// The topic routers: TimestampRouter (the topic becomes `topic.format` with ${topic} and
// ${timestamp}, the record's timestamp in the SimpleDateFormat `timestamp.format`, UTC)
// and RegexRouter (a topic that `regex` matches in whole is replaced by `replacement`,
// with $1 and ${name} for groups). Mainly for sinks, where the topic names the table,
// index or object prefix.
import { ConfigDef } from '../config/def.ts';
import { RegexValidator } from '../config/validators.ts';
import { DatePattern } from '../data/dateFormat.ts';
import { ConfigException, DataException } from '../data/exceptions.ts';
import { newRecord } from '../data/record.ts';
import { compileJavaRegex } from '../data/regex.ts';
import { transformPlugin } from './transformation.ts';

const TIMESTAMP_ROUTER_CONFIG = new ConfigDef()
  .define({
    name: 'topic.format',
    type: 'STRING',
    defaultValue: '${topic}-${timestamp}',
    importance: 'HIGH',
    documentation: 'Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively.',
  })
  .define({
    name: 'timestamp.format',
    type: 'STRING',
    defaultValue: 'yyyyMMdd',
    importance: 'HIGH',
    documentation: 'Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.',
  });

export const timestampRouter = transformPlugin(
  'TimestampRouter',
  "Update the record's topic field as a function of the original topic value and the record timestamp.<p/>This is mainly useful for sink connectors, since the topic field is often used to determine the equivalent entity name in the destination system(e.g. database table or search index name).",
  TIMESTAMP_ROUTER_CONFIG,
  (props) => {
    const c = TIMESTAMP_ROUTER_CONFIG.parse(props);
    const topicFormat = c['topic.format'] as string;
    let format: DatePattern;
    try {
      format = new DatePattern(c['timestamp.format'] as string);
    } catch (err) {
      throw new ConfigException('timestamp.format', c['timestamp.format'], (err as Error).message);
    }
    return {
      apply(record) {
        if (record.timestamp === null) throw new DataException(`Timestamp missing on record: ${record.topic}`);
        const stamp = format.format(record.timestamp);
        return newRecord(record, { topic: topicFormat.split('${topic}').join(record.topic).split('${timestamp}').join(stamp) });
      },
    };
  },
);

const REGEX_ROUTER_CONFIG = new ConfigDef()
  .define({ name: 'regex', type: 'STRING', validator: RegexValidator, importance: 'HIGH', documentation: 'Regular expression to use for matching.' })
  .define({ name: 'replacement', type: 'STRING', importance: 'HIGH', documentation: 'Replacement string.' });

export const regexRouter = transformPlugin(
  'RegexRouter',
  'Update the record topic using the configured regular expression and replacement string.<p/>Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. If the pattern matches the input topic, <code>java.util.regex.Matcher#replaceFirst()</code> is used with the replacement string to obtain the new topic.',
  REGEX_ROUTER_CONFIG,
  (props) => {
    const c = REGEX_ROUTER_CONFIG.parse(props);
    const regex = compileJavaRegex(c.regex as string);
    const replacement = c.replacement as string;
    return {
      apply: (record) => (regex.matches(record.topic) ? newRecord(record, { topic: regex.replaceMatch(record.topic, replacement) }) : record),
    };
  },
);
