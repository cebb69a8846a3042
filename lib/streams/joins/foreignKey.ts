// Foreign-key table-table join (Kafka's KIP-213 design): each left row (key k) names a
// right row by a key extracted from its value (fk), and joins it.
//
//   left update ──subscribe(fk, k, hash(left value)) / unsubscribe(old fk, k)──▶
//     `<app>-<name>-subscription-registration-topic` (keyed by fk, co-partitioned with
//     the right table) ──▶ subscription store (hash = fk, sort = k) + the right row ──▶
//   response(k, hash, right value) ◀── or a right update fans out to its subscribers
//     `<app>-<name>-subscription-response-topic` (keyed by k, co-partitioned with the
//     left table) ──▶ the left row is read again; if its hash still matches, the joined
//     row is emitted, else the response is stale and dropped.
//
// Every step runs in the task that owns the rows it reads, so no two tasks race on a row.
// A left row deleted, or without a foreign key, is answered at once: a tombstone (inner)
// or the row joined with null (left). A right row with many subscribers fans out in one
// unit of work, so it must fit one commit.
import { createHash } from 'node:crypto';
import type { Create } from '../engine/nodes.ts';
import { passThrough } from '../engine/nodes.ts';
import { storeGetter, type GetterSupplier } from '../engine/tables.ts';
import type { Change } from '../engine/types.ts';
import { json, type InternalBuilder } from '../dsl/builder.ts';
import type { JoinKind, ValueJoiner } from '../dsl/kstream.ts';
import { KTable } from '../dsl/ktable.ts';
import type { Materialized } from '../dsl/options.ts';
import { Serdes, type Serde } from '../serdes.ts';
import { concatBytes, equalBytes, lengthPrefixed, readLengthPrefixed } from '../stores/bytes.ts';
import { TimestampedKeyValueStore } from '../stores/keyValue.ts';

const SUBSCRIBE = 1;
const UNSUBSCRIBE = 2;

const md5 = (b: Uint8Array) => new Uint8Array(createHash('md5').update(b).digest());

/** Registration: op (1 byte) | length-prefixed left key | md5 of the left value (subscribe only). */
const subscriptionSerde = Serdes.from<{ op: number; leftKey: Uint8Array; hash: Uint8Array }>(
  (m) => concatBytes(new Uint8Array([m.op]), lengthPrefixed(m.leftKey), m.hash),
  (b) => {
    const { part, next } = readLengthPrefixed(b, 1);
    return { op: b[0]!, leftKey: part, hash: b.subarray(next) };
  },
);

/** Response: md5 of the left value it answers | present flag (1 byte) | right value bytes. */
function responseSerde<VO>(right: Serde<VO>): Serde<{ hash: Uint8Array; value: VO | null }> {
  return Serdes.from(
    (m) => concatBytes(m.hash, new Uint8Array([m.value === null ? 0 : 1]), m.value === null ? new Uint8Array(0) : right.serialize(m.value)!),
    (b) => ({ hash: b.subarray(0, 16), value: b[16] === 1 ? (right.deserialize(b.subarray(17)) as VO) : null }),
  );
}

interface Fk<K, V, KO, VO, R> {
  name: string;
  leftKey: Serde<K>;
  leftValue: Serde<V>;
  rightKey: Serde<KO>;
  extract: (value: V) => KO;
  joiner: ValueJoiner<K, V, VO | null, R>;
  kind: JoinKind;
  subscriptions: string;
  registerSink: string;
  resultNode: string;
}

const present = (v: unknown) => v !== null && v !== undefined;

function subscribeNode<K, V, KO, VO, R>(f: Fk<K, V, KO, VO, R>): Create {
  return (ctx) => ({
    process: async (r) => {
      if (!present(r.key)) return;
      const c = r.value as Change<V>;
      const newFk = c.newValue === null ? null : f.extract(c.newValue);
      const oldFk = c.oldValue === null ? null : f.extract(c.oldValue);
      const leftKey = f.leftKey.serialize(r.key as K)!;
      const newBytes = present(newFk) ? f.rightKey.serialize(newFk as KO) : null;
      const oldBytes = present(oldFk) ? f.rightKey.serialize(oldFk as KO) : null;
      if (oldBytes && !(newBytes && equalBytes(oldBytes, newBytes))) {
        await ctx.forward({ ...r, key: oldFk, value: { op: UNSUBSCRIBE, leftKey, hash: new Uint8Array(0) } }, f.registerSink);
      }
      if (c.newValue !== null && newBytes) {
        const hash = md5(f.leftValue.serialize(c.newValue)!);
        return ctx.forward({ ...r, key: newFk, value: { op: SUBSCRIBE, leftKey, hash } }, f.registerSink);
      }
      const row = c.newValue !== null && f.kind === 'left' ? f.joiner(c.newValue, null, r.key as K) : null;
      await ctx.forward({ ...r, value: { newValue: row, oldValue: null } satisfies Change<R> }, f.resultNode);
    },
  });
}

function registrationNode<K, V, KO, VO, R>(f: Fk<K, V, KO, VO, R>, right: GetterSupplier<KO, VO>): Create {
  return (ctx) => {
    const get = right.make(ctx);
    return {
      process: async (r) => {
        const m = r.value as { op: number; leftKey: Uint8Array; hash: Uint8Array };
        const item = { hash: f.rightKey.serialize(r.key as KO)!, sort: m.leftKey };
        if (m.op === UNSUBSCRIBE) return ctx.buffer.delete(f.subscriptions, item);
        ctx.buffer.put(f.subscriptions, item, m.hash);
        const found = await get(r.key as KO);
        const timestamp = found ? Math.max(found.timestamp, r.timestamp) : r.timestamp;
        await ctx.forward({ ...r, timestamp, key: f.leftKey.deserialize(m.leftKey), value: { hash: m.hash, value: found ? found.value : null } });
      },
    };
  };
}

function rightUpdateNode<K, V, KO, VO, R>(f: Fk<K, V, KO, VO, R>): Create {
  return (ctx) => ({
    process: async (r) => {
      if (!present(r.key)) return;
      const c = r.value as Change<VO>;
      for (const sub of await ctx.buffer.range(f.subscriptions, f.rightKey.serialize(r.key as KO)!, {})) {
        await ctx.forward({ ...r, key: f.leftKey.deserialize(sub.sort), value: { hash: sub.value, value: c.newValue } });
      }
    },
  });
}

function responseNode<K, V, KO, VO, R>(f: Fk<K, V, KO, VO, R>, left: GetterSupplier<K, V>): Create {
  return (ctx) => {
    const get = left.make(ctx);
    return {
      process: async (r) => {
        const m = r.value as { hash: Uint8Array; value: VO | null };
        const current = await get(r.key as K);
        if (!current || !equalBytes(md5(f.leftValue.serialize(current.value)!), m.hash)) return;
        const row = m.value === null && f.kind === 'inner' ? null : f.joiner(current.value, m.value, r.key as K);
        const timestamp = Math.max(current.timestamp, r.timestamp);
        await ctx.forward({ ...r, timestamp, value: { newValue: row, oldValue: null } satisfies Change<R> });
      },
    };
  };
}

function resultGetter<K, V, KO, VO, R>(f: Fk<K, V, KO, VO, R>, left: GetterSupplier<K, V>, right: GetterSupplier<KO, VO>): GetterSupplier<K, R> {
  return {
    stores: left.stores,
    make: (ctx) => {
      const [gl, gr] = [left.make(ctx), right.make(ctx)];
      return async (key) => {
        const l = await gl(key);
        if (!l) return undefined;
        const fk = f.extract(l.value);
        const r = present(fk) ? await gr(fk) : undefined;
        if (!r && f.kind === 'inner') return undefined;
        return { value: f.joiner(l.value, r ? r.value : null, key), timestamp: Math.max(l.timestamp, r?.timestamp ?? 0) };
      };
    },
  };
}

function resultTable<K, R>(b: InternalBuilder, name: string, parents: string[], keySerde: Serde<K>, getter: GetterSupplier<K, R>, m: Materialized<K, R> | undefined): KTable<K, R> {
  if (!m) {
    b.add({ kind: 'fk-join-result', prefix: '', named: name, parents, create: passThrough });
    return new KTable<K, R>(b, name, { key: keySerde }, getter);
  }
  const valueSerde = m.value ?? json<R>();
  const store = b.store({ kind: 'key-value', keySerde: keySerde as Serde<unknown>, valueSerde: valueSerde as Serde<unknown>, timestamped: true }, `${name}-STATE-STORE`, m.as);
  b.add({
    kind: 'fk-join-result',
    prefix: '',
    named: name,
    parents,
    stores: [store],
    create: (ctx) => {
      const s = new TimestampedKeyValueStore(ctx.buffer, store, keySerde, valueSerde);
      return { process: async (r) => (s.put(r.key as K, (r.value as Change<R>).newValue, r.timestamp), ctx.forward(r)) };
    },
  });
  return new KTable<K, R>(b, name, { key: keySerde, value: valueSerde }, storeGetter({ store, keySerde, valueSerde }), store);
}

export function joinForeignKey<K, V, KO, VO, R>(
  left: KTable<K, V>,
  right: KTable<KO, VO>,
  extract: (value: V) => KO,
  joiner: ValueJoiner<K, V, VO | null, R>,
  m: Materialized<K, R> | undefined,
  kind: JoinKind,
): KTable<K, R> {
  const b = left.builder;
  const name = b.name('KTABLE-FK-JOIN');
  const leftKey = (left.serdes.key ?? json()) as Serde<K>;
  const rightKey = (right.serdes.key ?? json()) as Serde<KO>;
  const subscriptions = b.store({ kind: 'internal' }, '', `${name}-subscription-store`, false);
  const registration = `${name}-subscription-registration-topic`;
  const f: Fk<K, V, KO, VO, R> = {
    name, leftKey, leftValue: (left.serdes.value ?? json()) as Serde<V>, rightKey, extract, joiner, kind, subscriptions,
    registerSink: `${registration}-sink`,
    resultNode: name,
  };
  const subscribe = b.add({ kind: 'fk-join-subscribe', prefix: '', named: `${name}-subscribe`, parents: [left.node], create: subscribeNode(f) });
  const regSource = b.throughInternal(subscribe, registration, { key: rightKey as Serde<unknown>, value: subscriptionSerde as Serde<unknown> });
  const reg = b.add({ kind: 'fk-join-registration', prefix: '', named: `${name}-registration`, parents: [regSource], stores: [subscriptions, ...right.getter.stores], create: registrationNode(f, right.getter) });
  const fanOut = b.add({ kind: 'fk-join-right-update', prefix: '', named: `${name}-right-update`, parents: [right.node], stores: [subscriptions], create: rightUpdateNode(f) });
  const merged = b.add({ kind: 'fk-join-responses', prefix: '', named: `${name}-responses`, parents: [reg, fanOut], create: passThrough });
  const respSource = b.throughInternal(merged, `${name}-subscription-response-topic`, {
    key: leftKey as Serde<unknown>,
    value: responseSerde((right.serdes.value ?? json()) as Serde<VO>) as Serde<unknown>,
  });
  const respond = b.add({ kind: 'fk-join-response', prefix: '', named: `${name}-response`, parents: [respSource], stores: left.getter.stores, create: responseNode(f, left.getter) });
  return resultTable(b, name, [subscribe, respond], (m?.key ?? leftKey) as Serde<K>, resultGetter(f, left.getter, right.getter), m);
}
