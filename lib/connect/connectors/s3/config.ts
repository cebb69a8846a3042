// The S3 sink's settings, with the names of Confluent's S3 sink connector, which is what
// Kafka Connect users archive topics with:
//
//   s3.bucket.name                required   the user's bucket
//   s3.region                     AWS_REGION the bucket's region
//   store.url                     none       another S3 endpoint (LocalStack, MinIO, an emulator; path style)
//   topics.dir                    topics     the top directory
//   flush.size                    required   records per object at most
//   rotate.interval.ms            -1         an object also ends when a record's time is this
//                                            much after the object's first record's (-1: never)
//   format.class                  JsonFormat JsonFormat (one JSON value per line, .json) or
//                                            ByteArrayFormat (the value bytes, .bin)
//   format.bytearray.separator    \n         between values with ByteArrayFormat
//   format.bytearray.extension    .bin
//   s3.compression.type           none       none or gzip (adds .gz)
//   partitioner.class             DefaultPartitioner  or TimeBasedPartitioner
//   path.format                              TimeBasedPartitioner's directories, Joda-Time
//                                            pattern: 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH
//   partition.duration.ms         -1         TimeBasedPartitioner's bucket size
//   timezone                      UTC        for path.format
//   timestamp.extractor           Record     Record (the record's timestamp) or RecordField
//   timestamp.field               timestamp  RecordField's field of the value (epoch ms, Date, or ISO text)
//   directory.delim / file.delim  / and +
//   filename.offset.zero.pad.width  10
//
// Credentials come from the function's role (deployed); in the dev server the sink writes
// to the local stack's S3 with its key pair unless store.url names another endpoint.
// Confluent's Wallclock extractor is not offered: object names must not depend on when a
// batch runs, or a retry would write a second object instead of rewriting the first.
import { ConfigDef } from '../../config/def.ts';
import { LambdaValidator, NonEmptyString, Range, ValidString } from '../../config/validators.ts';
import { DatePattern, isTimeZone } from '../../data/dateFormat.ts';
import { ConfigException } from '../../data/exceptions.ts';

const S3 = 'S3';
const STORAGE = 'Storage';
const PARTITIONER = 'Partitioner';

export const FORMATS = {
  json: ['io.confluent.connect.s3.format.json.JsonFormat', 'JsonFormat', 'json'],
  bytearray: ['io.confluent.connect.s3.format.bytearray.ByteArrayFormat', 'ByteArrayFormat', 'bytearray'],
} as const;
export const PARTITIONERS = {
  default: ['io.confluent.connect.storage.partitioner.DefaultPartitioner', 'DefaultPartitioner'],
  time: ['io.confluent.connect.storage.partitioner.TimeBasedPartitioner', 'TimeBasedPartitioner'],
} as const;

const oneOf = (names: readonly string[]) => ValidString.in(...names);

export const S3_SINK_CONFIG = new ConfigDef()
  .define({ name: 's3.bucket.name', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', group: S3, orderInGroup: 1, documentation: 'The S3 Bucket.' })
  .define({ name: 's3.region', type: 'STRING', defaultValue: '', importance: 'MEDIUM', group: S3, orderInGroup: 2, documentation: 'The AWS region to be used by the connector (default: the AWS_REGION of the function).' })
  .define({ name: 'store.url', type: 'STRING', defaultValue: null, importance: 'HIGH', group: S3, orderInGroup: 3, documentation: 'Store URL to be used instead of the default AWS endpoint: LocalStack, MinIO or an S3 emulator (path-style addressing).' })
  .define({ name: 'topics.dir', type: 'STRING', defaultValue: 'topics', importance: 'HIGH', group: STORAGE, orderInGroup: 1, documentation: 'Top level directory to store the data ingested from Kafka.' })
  .define({ name: 'flush.size', type: 'INT', validator: Range.atLeast(1), importance: 'HIGH', group: STORAGE, orderInGroup: 2, documentation: 'Number of records written to store before invoking file commits.' })
  .define({ name: 'rotate.interval.ms', type: 'LONG', defaultValue: -1, importance: 'HIGH', group: STORAGE, orderInGroup: 3, documentation: 'The time interval in milliseconds to invoke file commits, by record timestamps: an object ends when a record is this much newer than its first record. -1 disables it.' })
  .define({ name: 'format.class', type: 'CLASS', defaultValue: FORMATS.json[0], validator: oneOf([...FORMATS.json, ...FORMATS.bytearray]), importance: 'HIGH', group: STORAGE, orderInGroup: 4, documentation: 'The format class to use when writing data to the store: JsonFormat or ByteArrayFormat.' })
  .define({ name: 'format.bytearray.separator', type: 'STRING', defaultValue: '\n', importance: 'LOW', group: STORAGE, orderInGroup: 5, documentation: 'String inserted between records with ByteArrayFormat.' })
  .define({ name: 'format.bytearray.extension', type: 'STRING', defaultValue: '.bin', importance: 'LOW', group: STORAGE, orderInGroup: 6, documentation: 'Output file extension for ByteArrayFormat.' })
  .define({ name: 's3.compression.type', type: 'STRING', defaultValue: 'none', validator: ValidString.in('none', 'gzip'), importance: 'LOW', group: STORAGE, orderInGroup: 7, documentation: 'Compression type for files written to S3: none or gzip.' })
  .define({ name: 'directory.delim', type: 'STRING', defaultValue: '/', importance: 'LOW', group: STORAGE, orderInGroup: 8, documentation: 'Directory delimiter pattern' })
  .define({ name: 'file.delim', type: 'STRING', defaultValue: '+', importance: 'LOW', group: STORAGE, orderInGroup: 9, documentation: 'File delimiter pattern' })
  .define({ name: 'filename.offset.zero.pad.width', type: 'INT', defaultValue: 10, validator: Range.between(0, 20), importance: 'LOW', group: STORAGE, orderInGroup: 10, documentation: 'Width to zero-pad offsets in store filenames.' })
  .define({ name: 'partitioner.class', type: 'CLASS', defaultValue: PARTITIONERS.default[0], validator: oneOf([...PARTITIONERS.default, ...PARTITIONERS.time]), importance: 'HIGH', group: PARTITIONER, orderInGroup: 1, documentation: 'The partitioner to use when writing data to the store: DefaultPartitioner (partition=N) or TimeBasedPartitioner (path.format).' })
  .define({
    name: 'path.format',
    type: 'STRING',
    defaultValue: '',
    validator: LambdaValidator.with(
      (name, value) => {
        try {
          new DatePattern(String(value ?? ''), 'joda');
        } catch (err) {
          throw new ConfigException(name, value, (err as Error).message);
        }
      },
      () => 'a Joda-Time pattern',
    ),
    importance: 'MEDIUM',
    group: PARTITIONER,
    orderInGroup: 2,
    documentation: "This configuration is used to set the format of the data directories when partitioning with TimeBasedPartitioner, e.g. 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH.",
  })
  .define({ name: 'partition.duration.ms', type: 'LONG', defaultValue: -1, importance: 'MEDIUM', group: PARTITIONER, orderInGroup: 3, documentation: 'The duration of a partition milliseconds used by TimeBasedPartitioner.' })
  .define({
    name: 'timezone',
    type: 'STRING',
    defaultValue: 'UTC',
    validator: LambdaValidator.with(
      (name, value) => {
        if (!isTimeZone(String(value))) throw new ConfigException(name, value, 'Not a time zone');
      },
      () => 'an IANA time zone',
    ),
    importance: 'MEDIUM',
    group: PARTITIONER,
    orderInGroup: 4,
    documentation: 'The timezone to use when partitioning with TimeBasedPartitioner.',
  })
  .define({ name: 'locale', type: 'STRING', defaultValue: 'en', validator: ValidString.in('en', 'en_US', 'en-US'), importance: 'LOW', group: PARTITIONER, orderInGroup: 5, documentation: 'The locale to use when partitioning with TimeBasedPartitioner (English only).' })
  .define({ name: 'timestamp.extractor', type: 'STRING', defaultValue: 'Record', validator: ValidString.in('Record', 'RecordField'), importance: 'MEDIUM', group: PARTITIONER, orderInGroup: 6, documentation: 'The extractor that gets the timestamp for records when partitioning with TimeBasedPartitioner: Record (the record\'s timestamp) or RecordField (timestamp.field).' })
  .define({ name: 'timestamp.field', type: 'STRING', defaultValue: 'timestamp', importance: 'MEDIUM', group: PARTITIONER, orderInGroup: 7, documentation: 'The record field to be used as timestamp by the timestamp extractor.' });

export interface S3SinkSettings {
  bucket: string;
  region: string;
  endpoint: string | null;
  topicsDir: string;
  flushSize: number;
  rotateIntervalMs: number;
  format: 'json' | 'bytearray';
  separator: string;
  extension: string;
  gzip: boolean;
  directoryDelim: string;
  fileDelim: string;
  padWidth: number;
  timeBased: boolean;
  pathFormat: DatePattern;
  partitionDurationMs: number;
  timezone: string;
  extractor: 'Record' | 'RecordField';
  timestampField: string;
}

export function s3SinkSettings(c: Readonly<Record<string, unknown>>): S3SinkSettings {
  return {
    bucket: c['s3.bucket.name'] as string,
    region: (c['s3.region'] as string) || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
    endpoint: (c['store.url'] as string | null) || null,
    topicsDir: c['topics.dir'] as string,
    flushSize: c['flush.size'] as number,
    rotateIntervalMs: c['rotate.interval.ms'] as number,
    format: (FORMATS.bytearray as readonly string[]).includes(c['format.class'] as string) ? 'bytearray' : 'json',
    separator: c['format.bytearray.separator'] as string,
    extension: c['format.bytearray.extension'] as string,
    gzip: c['s3.compression.type'] === 'gzip',
    directoryDelim: c['directory.delim'] as string,
    fileDelim: c['file.delim'] as string,
    padWidth: c['filename.offset.zero.pad.width'] as number,
    timeBased: (PARTITIONERS.time as readonly string[]).includes(c['partitioner.class'] as string),
    pathFormat: new DatePattern(c['path.format'] as string, 'joda'),
    partitionDurationMs: c['partition.duration.ms'] as number,
    timezone: c.timezone as string,
    extractor: c['timestamp.extractor'] as 'Record' | 'RecordField',
    timestampField: c['timestamp.field'] as string,
  };
}

/** Errors the settings have together (TimeBasedPartitioner needs its settings). */
export function s3SinkErrors(props: Readonly<Record<string, string>>): Record<string, string[]> {
  const partitioner = (props['partitioner.class'] ?? '').trim();
  if (!(PARTITIONERS.time as readonly string[]).includes(partitioner)) return {};
  const out: Record<string, string[]> = {};
  if (!(props['path.format'] ?? '').trim()) out['path.format'] = ['TimeBasedPartitioner needs path.format'];
  const duration = Number((props['partition.duration.ms'] ?? '-1').trim());
  if (!Number.isInteger(duration) || duration <= 0) out['partition.duration.ms'] = ['TimeBasedPartitioner needs partition.duration.ms greater than 0'];
  return out;
}
