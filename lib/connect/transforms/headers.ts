// The header transforms and Filter: InsertHeader adds `header` with `value.literal`
// (typed by Values.parseString: "42" is an INT8, "true" a BOOLEAN), DropHeaders removes
// every header named in `headers`, and Filter drops the record (meant to run under a
// predicate: `transforms.X.predicate`, optionally `negate`).
import { ConfigDef } from '../config/def.ts';
import { NonEmptyListValidator, NonNullValidator } from '../config/validators.ts';
import { newRecord } from '../data/record.ts';
import { parseString } from '../data/values.ts';
import { transformPlugin } from './transformation.ts';

const INSERT_HEADER_CONFIG = new ConfigDef()
  .define({ name: 'header', type: 'STRING', validator: NonNullValidator, importance: 'HIGH', documentation: 'The name of the header.' })
  .define({ name: 'value.literal', type: 'STRING', validator: NonNullValidator, importance: 'HIGH', documentation: 'The literal value that is to be set as the header value on all records.' });

export const insertHeader = transformPlugin('InsertHeader', 'Add a header to each record.', INSERT_HEADER_CONFIG, (props) => {
  const c = INSERT_HEADER_CONFIG.parse(props);
  const key = c.header as string;
  const literal = parseString(c['value.literal'] as string);
  return { apply: (record) => newRecord(record, { headers: [...record.headers, { key, schema: literal.schema, value: literal.value }] }) };
});

const DROP_HEADERS_CONFIG = new ConfigDef().define({
  name: 'headers',
  type: 'LIST',
  validator: NonEmptyListValidator,
  importance: 'HIGH',
  documentation: 'The name of the headers to be removed.',
});

export const dropHeaders = transformPlugin('DropHeaders', 'Removes one or more headers from each record.', DROP_HEADERS_CONFIG, (props) => {
  const names = new Set(DROP_HEADERS_CONFIG.parse(props).headers as string[]);
  return { apply: (record) => newRecord(record, { headers: record.headers.filter((h) => !names.has(h.key)) }) };
});

const NO_CONFIG = new ConfigDef();

export const filter = transformPlugin(
  'Filter',
  'Drops all records, filtering them from subsequent transformations in the chain. This is intended to be used conditionally to filter out records matching (or not matching) a particular Predicate.',
  NO_CONFIG,
  () => ({ apply: () => null }),
);
