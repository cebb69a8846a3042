// DynamoDB tables in memory, for the handler profiles' storage double (fakeStorage.ts):
// items by key, per the stack's layout (lib/local/layout.ts), and the requests the
// produce and fetch paths send, answered as DynamoDB answers them. Understood: GetItem,
// PutItem, DeleteItem, UpdateItem (ReturnValues UPDATED_OLD) and TransactWriteItems with
// SET/REMOVE updates (list_append, if_not_exists, list elements removed by index),
// BatchWriteItem, and Query with a key condition on the table's own keys. Condition
// expressions are not evaluated: the profile is the only writer. Anything else is
// refused with a ValidationException, so a path that starts sending it fails loudly.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LocalTable } from '../../local/index.ts';

export type Item = Record<string, AttributeValue>;
type Input = Record<string, any>;

export class UnsupportedRequest extends Error {
  override name = 'ValidationException';
}

/** Items sharing a partition key, sorted by sort key when a Query asks. */
interface Group {
  items: Map<string, Item>;
  sorted?: Item[];
}

interface Table {
  keys: string[];
  groups: Map<string, Group>;
}

const scalar = (v: AttributeValue | undefined): string => (v?.S !== undefined ? `S${v.S}` : v?.N !== undefined ? `N${Number(v.N)}` : `?${JSON.stringify(v)}`);

/** DynamoDB's order of sort key values: numbers by value, strings by code unit. */
export function compareValues(a: AttributeValue | undefined, b: AttributeValue | undefined): number {
  if (a?.N !== undefined && b?.N !== undefined) return Number(a.N) - Number(b.N);
  const x = a?.S ?? '';
  const y = b?.S ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

export class MemoryTables {
  private readonly tables = new Map<string, Table>();

  constructor(layout: readonly LocalTable[]) {
    for (const t of layout) this.tables.set(t.name, { keys: t.keys, groups: new Map() });
  }

  /** Answers one DynamoDB request; throws UnsupportedRequest for what it does not understand. */
  handle(operation: string, input: Input): Input {
    switch (operation) {
      case 'GetItem': {
        const item = this.get(input.TableName, input.Key);
        return item ? { Item: item } : {};
      }
      case 'PutItem':
        this.put(input.TableName, input.Item);
        return {};
      case 'DeleteItem':
        this.delete(input.TableName, input.Key);
        return {};
      case 'UpdateItem': {
        const old = this.update(input);
        return input.ReturnValues === 'UPDATED_OLD' ? { Attributes: old } : {};
      }
      case 'Query':
        return this.query(input);
      case 'BatchWriteItem':
        for (const [table, requests] of Object.entries(input.RequestItems as Record<string, Input[]>)) {
          for (const r of requests) r.PutRequest ? this.put(table, r.PutRequest.Item) : this.delete(table, r.DeleteRequest.Key);
        }
        return { UnprocessedItems: {} };
      case 'TransactWriteItems':
        for (const action of input.TransactItems as Input[]) {
          if (action.Put) this.put(action.Put.TableName, action.Put.Item);
          else if (action.Update) this.update(action.Update);
          else if (action.Delete) this.delete(action.Delete.TableName, action.Delete.Key);
        }
        return {};
      default:
        throw new UnsupportedRequest(`the in-memory tables do not answer ${operation}`);
    }
  }

  private table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw new UnsupportedRequest(`no table named ${name}`);
    return t;
  }

  private locate(name: string, key: Item): { group: Group | undefined; id: string; table: Table; pk: string } {
    const table = this.table(name);
    const pk = scalar(key[table.keys[0]!]);
    return { table, pk, group: table.groups.get(pk), id: table.keys[1] ? scalar(key[table.keys[1]]) : '' };
  }

  private get(name: string, key: Item): Item | undefined {
    const { group, id } = this.locate(name, key);
    return group?.items.get(id);
  }

  private put(name: string, item: Item): void {
    const { table, pk, group, id } = this.locate(name, item);
    const g: Group = group ?? { items: new Map() };
    if (!group) table.groups.set(pk, g);
    g.items.set(id, item);
    delete g.sorted;
  }

  private delete(name: string, key: Item): void {
    const { group, id } = this.locate(name, key);
    if (group?.items.delete(id)) delete group.sorted;
  }

  /** Applies the update; the old values of the attributes it set or removed. */
  private update(input: Input): Item {
    const key = input.Key as Item;
    const item = { ...(this.get(input.TableName, key) ?? key) };
    const before = { ...item };
    const touched = applyUpdate(item, input.UpdateExpression, input.ExpressionAttributeNames ?? {}, input.ExpressionAttributeValues ?? {});
    this.put(input.TableName, item);
    return Object.fromEntries(touched.filter((n) => before[n] !== undefined).map((n) => [n, before[n]!]));
  }

  private query(input: Input): Input {
    if (input.IndexName) throw new UnsupportedRequest('the in-memory tables do not query indexes');
    const table = this.table(input.TableName);
    const cond = parseKeyCondition(input.KeyConditionExpression, input.ExpressionAttributeNames ?? {}, input.ExpressionAttributeValues ?? {});
    if (cond.partitionKey !== table.keys[0] || (cond.sortKey && cond.sortKey !== table.keys[1])) {
      throw new UnsupportedRequest(`key condition ${input.KeyConditionExpression} is not on the table's keys`);
    }
    const group = table.groups.get(scalar(cond.partitionValue));
    if (!group) return { Items: [], Count: 0, ScannedCount: 0 };
    const sk = table.keys[1];
    group.sorted ??= sk ? [...group.items.values()].sort((a, b) => compareValues(a[sk], b[sk])) : [...group.items.values()];
    let items = group.sorted.filter((i) => !sk || cond.sortTest(i[sk]));
    if (input.ScanIndexForward === false) items = items.reverse();
    const start = input.ExclusiveStartKey as Item | undefined;
    if (start && sk) {
      const at = items.findIndex((i) => compareValues(i[sk], start[sk]) === 0);
      items = items.slice(at + 1);
    }
    const limit = (input.Limit as number | undefined) ?? Infinity;
    const page = items.slice(0, limit);
    const last = page.length < items.length ? page.at(-1) : undefined;
    return {
      Items: page,
      Count: page.length,
      ScannedCount: page.length,
      ...(last ? { LastEvaluatedKey: Object.fromEntries(table.keys.map((k) => [k, last[k]!])) } : {}),
    };
  }
}

interface KeyCondition {
  partitionKey: string;
  partitionValue: AttributeValue;
  sortKey?: string;
  sortTest: (v: AttributeValue | undefined) => boolean;
}

const name = (token: string, names: Record<string, string>): string => (token.startsWith('#') ? names[token] ?? token : token);
const value = (token: string, values: Item): AttributeValue => {
  const v = values[token];
  if (!v) throw new UnsupportedRequest(`no value for ${token}`);
  return v;
};

const COMPARISONS: Record<string, (c: number) => boolean> = { '=': (c) => c === 0, '<': (c) => c < 0, '<=': (c) => c <= 0, '>': (c) => c > 0, '>=': (c) => c >= 0 };

/** `pk = :v`, optionally `AND sk <op> :w`, `AND sk BETWEEN :a AND :b` or `AND begins_with(sk, :p)`. */
export function parseKeyCondition(expression: string, names: Record<string, string>, values: Item): KeyCondition {
  const m = /^\s*(\S+)\s*=\s*(:\w+)\s*(?:AND\s+(.+?))?\s*$/i.exec(expression);
  if (!m) throw new UnsupportedRequest(`key condition not understood: ${expression}`);
  const base = { partitionKey: name(m[1]!, names), partitionValue: value(m[2]!, values) };
  const rest = m[3];
  if (!rest) return { ...base, sortTest: () => true };
  let s: RegExpExecArray | null;
  if ((s = /^(\S+)\s*(<=|>=|=|<|>)\s*(:\w+)$/.exec(rest))) {
    const [, key, op, v] = s as unknown as [string, string, string, string];
    const w = value(v, values);
    return { ...base, sortKey: name(key, names), sortTest: (x) => COMPARISONS[op]!(compareValues(x, w)) };
  }
  if ((s = /^(\S+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)$/i.exec(rest))) {
    const lo = value(s[2]!, values);
    const hi = value(s[3]!, values);
    return { ...base, sortKey: name(s[1]!, names), sortTest: (x) => compareValues(x, lo) >= 0 && compareValues(x, hi) <= 0 };
  }
  if ((s = /^begins_with\(\s*(\S+?)\s*,\s*(:\w+)\s*\)$/i.exec(rest))) {
    const prefix = value(s[2]!, values).S ?? '';
    return { ...base, sortKey: name(s[1]!, names), sortTest: (x) => (x?.S ?? '').startsWith(prefix) };
  }
  throw new UnsupportedRequest(`sort key condition not understood: ${rest}`);
}

/**
 * Applies `SET a = :v, b = if_not_exists(b, :z) + :n, l = list_append(l, :x) REMOVE c,
 * l[0]` to `item`, every operand read from the item as it was before (as DynamoDB does).
 * The names of the top-level attributes it touched.
 */
export function applyUpdate(item: Item, expression: string, names: Record<string, string>, values: Item): string[] {
  const before = { ...item };
  const touched: string[] = [];
  const removedElements = new Map<string, Set<number>>();
  for (const clause of expression.split(/\b(?=SET\s|REMOVE\s|ADD\s|DELETE\s)/i).map((c) => c.trim()).filter(Boolean)) {
    const keyword = clause.split(/\s/, 1)[0]!.toUpperCase();
    const actions = splitTopLevel(clause.slice(keyword.length));
    if (keyword === 'REMOVE') {
      for (const path of actions) {
        const element = /^([#\w]+)\[(\d+)\]$/.exec(path);
        const attr = name(element ? element[1]! : path, names);
        touched.push(attr);
        if (!element) delete item[attr];
        else removedElements.set(attr, (removedElements.get(attr) ?? new Set()).add(Number(element[2])));
      }
    } else if (keyword === 'SET') {
      for (const action of actions) {
        const eq = action.indexOf('=');
        if (eq < 0) throw new UnsupportedRequest(`SET action not understood: ${action}`);
        const attr = name(action.slice(0, eq).trim(), names);
        touched.push(attr);
        item[attr] = evaluate(action.slice(eq + 1).trim(), before, names, values);
      }
    } else {
      throw new UnsupportedRequest(`update clause not understood: ${clause}`);
    }
  }
  for (const [attr, gone] of removedElements) item[attr] = { L: (item[attr]?.L ?? []).filter((_, i) => !gone.has(i)) };
  return [...new Set(touched)];
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter(Boolean);
}

/** An operand, `if_not_exists(path, operand)`, `list_append(a, b)`, or two operands joined by + or -. */
function evaluate(expr: string, item: Item, names: Record<string, string>, values: Item): AttributeValue {
  const append = /^list_append\((.+)\)$/i.exec(expr);
  if (append) {
    const [a, b] = splitTopLevel(append[1]!);
    return { L: [...(evaluate(a!, item, names, values).L ?? []), ...(evaluate(b!, item, names, values).L ?? [])] };
  }
  const sum = /^(.+?\)|[^\s()]+)\s*([+-])\s*(.+)$/.exec(expr);
  if (sum) {
    const a = Number(evaluate(sum[1]!.trim(), item, names, values).N);
    const b = Number(evaluate(sum[3]!.trim(), item, names, values).N);
    return { N: String(sum[2] === '+' ? a + b : a - b) };
  }
  const fallback = /^if_not_exists\(\s*([^,\s]+)\s*,\s*(.+)\)$/i.exec(expr);
  if (fallback) return item[name(fallback[1]!, names)] ?? evaluate(fallback[2]!.trim(), item, names, values);
  if (expr.startsWith(':')) return value(expr, values);
  if (/^[#\w]+$/.test(expr)) {
    const v = item[name(expr, names)];
    if (!v) throw new UnsupportedRequest(`${expr} is not set`);
    return v;
  }
  throw new UnsupportedRequest(`update operand not understood: ${expr}`);
}
