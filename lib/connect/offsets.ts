// Connector offsets (KIP-875: GET, PATCH and DELETE /v1/connectors/{name}/offsets, the
// latter two only while the connector is STOPPED), for both kinds:
//
//   source  {"partition": <the connector's source partition>, "offset": <its offset>}
//           stored in the connectors table (store.ts)
//   sink    {"partition": {"kafka_topic": T, "kafka_partition": P}, "offset": {"kafka_offset": O}}
//           the cursors of the sink's subscription (subscriptions table; O = next to deliver)
//
// A null offset removes the partition's offset: a source starts that partition afresh, a
// sink reads it from the log start again. A sink's topics are `topics`, or those existing
// topics whose names match `topics.regex`.
import type { ConnectorOffset } from '../core/connectors.ts';
import { ConnectorNotStoppedError, InvalidRequestError } from '../core/errors.ts';
import { getTopic, listTopicRecords, type TopicRecord } from '../storage/metadata.ts';
import type { TableClients } from '../storage/tables.ts';
import { deleteCursors, putCursors, readCursors } from '../subscriptions/cursorStore.ts';
import { compileJavaRegex } from './data/regex.ts';
import type { PluginRegistry } from './plugins/registry.ts';
import { deleteSourceOffsets, readSourceOffsets, writeSourceOffsets, type ConnectorRecord } from './store.ts';

export const sinkSubscriptionId = (r: Pick<ConnectorRecord, 'connectorId'>): string => `connector.${r.connectorId}`;

/** The topics a sink reads that exist now. */
export async function sinkTopics(clients: TableClients, r: ConnectorRecord, all?: () => Promise<TopicRecord[]>): Promise<TopicRecord[]> {
  const regex = (r.config['topics.regex'] ?? '').trim();
  if (regex) {
    const pattern = compileJavaRegex(regex);
    return (await (all ?? (() => listTopicRecords(clients)))()).filter((t) => pattern.matches(t.name));
  }
  const names = (r.config.topics ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const found = await Promise.all(names.map((n) => getTopic(clients, n)));
  return found.filter((t): t is TopicRecord => t !== undefined);
}

export async function readOffsets(clients: TableClients, r: ConnectorRecord): Promise<ConnectorOffset[]> {
  if (r.type === 'source') return (await readSourceOffsets(clients, r.name)).map(({ partition, offset }) => ({ partition, offset }));
  const out: ConnectorOffset[] = [];
  for (const t of await sinkTopics(clients, r)) {
    const cursors = await readCursors(clients, t.topicId, sinkSubscriptionId(r));
    for (const c of [...cursors.values()].sort((a, b) => a.partition - b.partition)) {
      out.push({ partition: { kafka_topic: t.name, kafka_partition: c.partition }, offset: { kafka_offset: c.offset ?? 0 } });
    }
  }
  return out;
}

const requireStopped = (r: ConnectorRecord) => {
  if (r.targetState !== 'STOPPED') throw new ConnectorNotStoppedError(`Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/v1/connectors/${r.name}/stop' endpoint`, { connector: r.name });
};

/** PATCH .../offsets `{"offsets":[{"partition","offset"}]}`, while stopped. */
export async function alterOffsets(clients: TableClients, registry: PluginRegistry, r: ConnectorRecord, body: unknown): Promise<void> {
  requireStopped(r);
  const offsets = parseOffsets(body);
  if (r.type === 'source') {
    const plugin = await registry.resolve(r.config['connector.class'] ?? '');
    if (plugin.connector.type === 'source') {
      try {
        plugin.connector.alterOffsets?.(r.config, offsets);
      } catch (err) {
        throw new InvalidRequestError(`Failed to alter the offsets: ${(err as Error).message}`);
      }
    }
    await writeSourceOffsets(clients, r.name, offsets);
    return;
  }
  const topics = new Map((await sinkTopics(clients, r)).map((t) => [t.name, t]));
  const writes = offsets.map((o, i) => {
    const topic = o.partition.kafka_topic;
    const partition = o.partition.kafka_partition;
    const offset = o.offset === null ? 0 : o.offset.kafka_offset;
    const t = typeof topic === 'string' ? topics.get(topic) : undefined;
    if (!t || typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition >= t.partitions) {
      throw new InvalidRequestError(`offsets[${i}].partition must be {"kafka_topic","kafka_partition"} of a partition the connector reads.`, { fields: [`offsets[${i}].partition`] });
    }
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      throw new InvalidRequestError(`offsets[${i}].offset must be null or {"kafka_offset": a non-negative integer}.`, { fields: [`offsets[${i}].offset`] });
    }
    return { topicId: t.topicId, partition, offset };
  });
  for (const w of writes) await putCursors(clients, w.topicId, sinkSubscriptionId(r), [{ partition: w.partition, offset: w.offset }]);
}

/** DELETE .../offsets, while stopped: the connector starts from scratch. */
export async function resetOffsets(clients: TableClients, r: ConnectorRecord): Promise<void> {
  requireStopped(r);
  if (r.type === 'source') await deleteSourceOffsets(clients, r.name);
  else await deleteSinkPositions(clients, r);
}

export async function deleteSinkPositions(clients: TableClients, r: ConnectorRecord): Promise<void> {
  for (const t of await sinkTopics(clients, r)) await deleteCursors(clients, t.topicId, sinkSubscriptionId(r));
}

function parseOffsets(body: unknown): ConnectorOffset[] {
  const list = (body as { offsets?: unknown } | null)?.offsets;
  if (!Array.isArray(list) || list.length === 0) throw new InvalidRequestError('The body must be {"offsets":[{"partition":{...},"offset":{...}|null}, ...]}.', { fields: ['offsets'] });
  return list.map((o, i) => {
    const p = (o as ConnectorOffset | null)?.partition;
    const off = (o as ConnectorOffset | null)?.offset;
    const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isMap(p)) throw new InvalidRequestError(`offsets[${i}].partition must be an object.`, { fields: [`offsets[${i}].partition`] });
    if (off !== null && !isMap(off)) throw new InvalidRequestError(`offsets[${i}].offset must be an object or null.`, { fields: [`offsets[${i}].offset`] });
    return { partition: p as Record<string, unknown>, offset: off ?? null };
  });
}
