// How many tasks a connector runs and with which settings (Kafka's Connector.taskConfigs
// under tasks.max). A source names its splits: taskConfigs(props, maxTasks) answers one
// settings map per task (at most tasks.max; a source without taskConfigs runs one task,
// as copies would read the same data twice). A sink's tasks share its topic-partitions:
// tasks.max tasks (or as many as its taskConfigs answers), each partition delivered by
// one of them (sinkTaskOf).
import type { Connector } from '../plugins/define.ts';

const tasksMax = (props: Readonly<Record<string, string>>): number => {
  const n = Number(props['tasks.max'] ?? '1');
  return Number.isInteger(n) && n >= 1 ? n : 1;
};

/** The settings of each task: the connector's merged with the task's own. */
export function taskConfigs(connector: Connector, props: Readonly<Record<string, string>>): Record<string, string>[] {
  const max = tasksMax(props);
  const own = connector.taskConfigs?.(props, max).slice(0, max);
  if (own?.length) return own.map((t) => ({ ...props, ...t }));
  return connector.type === 'source' ? [{ ...props }] : Array.from({ length: max }, () => ({ ...props }));
}

/**
 * The task delivering a sink's partition: the connector's topic-partitions in order
 * (topics by name, partitions by number) dealt round-robin over its tasks, as Kafka's
 * round-robin assignor does.
 */
export function sinkTaskOf(topics: readonly { name: string; partitions: number }[], tasks: number, topic: string, partition: number): number {
  let index = 0;
  for (const t of [...topics].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (t.name === topic) return (index + partition) % tasks;
    index += t.partitions;
  }
  return 0;
}
