// sluice topics create|list|describe|alter|delete — kafka-topics.sh habits, over the SDK's
// Admin.
import type { Command } from 'commander';
import type { PartitionDescription, TopicDescription } from '../../client/types.ts';
import { createSluice, type GlobalOptions } from '../context.ts';
import { UsageError } from '../errors.ts';
import { collect, parseConfigs, parseInteger } from '../parse.ts';
import { out, printJson } from '../print.ts';
import { formatBytes, table } from '../table.ts';

const admin = (cmd: Command) => createSluice(cmd.optsWithGlobals<GlobalOptions>()).admin();

const partitionsOption = (v: string) => parseInteger(v, '--partitions', { min: 1 });

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('create, list, describe, alter and delete topics');

  topics
    .command('create')
    .description('create a topic')
    .argument('<name>', 'topic name')
    .option('--partitions <n>', 'number of partitions (default 1)', partitionsOption)
    .option('--config <key=value>', 'topic config override, e.g. retention.ms=86400000 (repeatable)', collect)
    .option('--json', 'print the topic description as JSON')
    .action(async (name: string, opts: { partitions?: number; config?: string[]; json?: boolean }, cmd: Command) => {
      const config = parseConfigs(opts.config);
      const desc = await admin(cmd).createTopic({
        name,
        ...(opts.partitions !== undefined ? { partitions: opts.partitions } : {}),
        ...(Object.keys(config).length ? { config } : {}),
      });
      if (opts.json) printJson(desc);
      else out(`Created topic ${name}.`);
    });

  topics
    .command('list')
    .description('list topics')
    .option('--json', 'print the topics as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const list = (await admin(cmd).listTopics()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (opts.json) printJson({ topics: list });
      else if (list.length) out(list.map((t) => t.name).join('\n'));
    });

  topics
    .command('describe')
    .description('show a topic: id, config, and per partition log start, high watermark and size (and, compacted, the dirty share and last cleaning)')
    .argument('<name>', 'topic name')
    .option('--json', 'print the description as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const desc = await admin(cmd).describeTopic(name);
      if (opts.json) printJson(desc);
      else out(renderDescription(desc));
    });

  topics
    .command('alter')
    .description('change topic configs or grow the partition count')
    .argument('<name>', 'topic name')
    .option('--config <key=value>', 'config to set (repeatable)', collect)
    .option('--partitions <n>', 'new partition count (partitions only grow)', partitionsOption)
    .option('--json', 'print the new description as JSON')
    .action(async (name: string, opts: { partitions?: number; config?: string[]; json?: boolean }, cmd: Command) => {
      const config = parseConfigs(opts.config);
      if (opts.partitions === undefined && Object.keys(config).length === 0) {
        throw new UsageError('topics alter needs --config key=value and/or --partitions N.');
      }
      const desc = await admin(cmd).alterTopic(name, {
        ...(opts.partitions !== undefined ? { partitions: opts.partitions } : {}),
        ...(Object.keys(config).length ? { config } : {}),
      });
      if (opts.json) printJson(desc);
      else out(`Altered topic ${name}.`);
    });

  topics
    .command('delete')
    .description('delete a topic and (in the background) its data')
    .argument('<name>', 'topic name')
    .option('--json', 'print {"deleted": name} as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await admin(cmd).deleteTopic(name);
      if (opts.json) printJson({ deleted: name });
      else out(`Deleted topic ${name}.`);
    });
}

/** kafka-topics --describe style: a header line, configs, then a table per partition. */
export function renderDescription(desc: TopicDescription): string {
  const lines: string[] = [];
  const parts = [...desc.partitions].sort((a, b) => a.partition - b.partition);
  lines.push(`Topic: ${desc.name}\tTopicId: ${desc.topicId}\tPartitionCount: ${parts.length}`);
  const configs = Object.entries(desc.config ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (configs.length) lines.push(`Configs: ${configs.join(',')}`);
  lines.push('');
  // A compacted topic's offsets are not all records (compaction leaves gaps): the count
  // column says offsets there, and two columns show the cleaning.
  const compacted = parts.some((p) => p.cleaning);
  const rows = parts.map((p) => [
    String(p.partition),
    String(p.logStartOffset),
    String(p.highWatermark),
    String(p.highWatermark - p.logStartOffset),
    formatBytes(p.sizeBytes),
    ...(compacted ? cleaningCells(p.cleaning) : []),
  ]);
  const total = parts.reduce(
    (t, p) => ({ records: t.records + (p.highWatermark - p.logStartOffset), bytes: t.bytes + p.sizeBytes }),
    { records: 0, bytes: 0 },
  );
  if (parts.length > 1) rows.push(['total', '', '', String(total.records), formatBytes(total.bytes), ...(compacted ? ['', ''] : [])]);
  const headers = ['PARTITION', 'LOG-START', 'HIGH-WATERMARK', compacted ? 'OFFSETS' : 'RECORDS', 'SIZE', ...(compacted ? ['DIRTY', 'LAST-CLEANED'] : [])];
  lines.push(table(headers, rows, [false, true, true, true, true, ...(compacted ? [true, false] : [])]));
  return lines.join('\n');
}

/** The share not cleaned yet (what min.cleanable.dirty.ratio is compared with) and the last cleaning's time. */
function cleaningCells(c: PartitionDescription['cleaning']): string[] {
  if (!c) return ['', ''];
  return [`${(c.dirtyRatio * 100).toFixed(1)}%`, c.lastCleanedAt === null ? 'never' : new Date(c.lastCleanedAt).toISOString()];
}
