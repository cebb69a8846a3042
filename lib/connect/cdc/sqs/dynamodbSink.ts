// DynamoDbSink: a topic's records as items of a user's table, upserted by key and
// deleted on a tombstone, each write conditional on the record's offset so that a batch
// delivered again (the runtime retries from its committed cursor) changes nothing:
//
//   PutItem    item = key attributes + value attributes + __sluice_offset = offset
//   DeleteItem
//     both with ConditionExpression
//       attribute_not_exists(__sluice_offset) OR __sluice_offset < :offset
//
// A record's key must be a JSON object holding the table's key attributes (a CDC source's
// key is); its value a JSON object (the row: with `value.field` set, that field of the
// value, e.g. "after" of a change envelope). A condition that fails means a newer record
// of the key is already applied: the older one is skipped. One limit: a delete leaves no
// item to hold its offset, so a replay that starts before a delete re-creates the row
// for the time until the replay reaches the delete again.
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvalidRequestError } from '../../../core/errors.ts';
import { ConfigReader, type ConfigMap } from '../config.ts';
import type { ChangeSink, DeliveryRecord } from '../sink.ts';
import type { Json } from '../source.ts';

export const OFFSET_ATTRIBUTE = '__sluice_offset';
const CONDITION = 'attribute_not_exists(#o) OR #o < :o';

export function toAttribute(value: Json): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  return { M: toItem(value) };
}

const toItem = (obj: { [k: string]: Json }): Record<string, AttributeValue> => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, toAttribute(v)]));

const isObject = (v: Json): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

export class DynamoDbSink implements ChangeSink {
  private readonly table: string;
  private readonly valueField: string | undefined;

  constructor(config: ConfigMap, private readonly ddb: DynamoDBClient) {
    const c = new ConfigReader(config);
    this.table = c.string('table.name');
    this.valueField = c.optional('value.field');
  }

  async deliver(records: readonly DeliveryRecord[]): Promise<void> {
    // In order: a key's later record must not overtake its earlier one.
    for (const r of records) await this.apply(r);
  }

  private async apply(r: DeliveryRecord): Promise<void> {
    if (!isObject(r.key)) throw new InvalidRequestError(`DynamoDbSink needs an object key holding the table's key attributes (${r.topic}/${r.partition}@${r.offset})`);
    const key = toItem(r.key);
    const value = this.valueField && isObject(r.value) ? (r.value[this.valueField] ?? null) : r.value;
    const condition = { ConditionExpression: CONDITION, ExpressionAttributeNames: { '#o': OFFSET_ATTRIBUTE }, ExpressionAttributeValues: { ':o': { N: String(r.offset) } } };
    try {
      if (value === null) {
        await this.ddb.send(new DeleteItemCommand({ TableName: this.table, Key: key, ...condition }));
      } else {
        if (!isObject(value)) throw new InvalidRequestError(`DynamoDbSink needs an object value (${r.topic}/${r.partition}@${r.offset})`);
        await this.ddb.send(new PutItemCommand({ TableName: this.table, Item: { ...toItem(value), ...key, [OFFSET_ATTRIBUTE]: { N: String(r.offset) } }, ...condition }));
      }
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return;
      throw err;
    }
  }
}
