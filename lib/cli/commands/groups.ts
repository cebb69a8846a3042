// sluice groups list|describe|reset-offsets|delete — kafka-consumer-groups habits, over
// the SDK's Admin.
import type { Command } from 'commander';
import type { GroupDescription, GroupSummary, ResetTarget, TopicAssignment } from '../../client/types.ts';
import { createSluice, type GlobalOptions } from '../context.ts';
import { UsageError } from '../errors.ts';
import { parseInteger } from '../parse.ts';
import { out, printJson } from '../print.ts';
import { table } from '../table.ts';

const admin = (cmd: Command) => createSluice(cmd.optsWithGlobals<GlobalOptions>()).admin();

/** "orders:0,1 payments:2", or "-" when empty. */
export function formatAssignment(list: readonly TopicAssignment[]): string {
  const parts = list.filter((a) => a.partitions.length > 0).map((a) => `${a.topic}:${a.partitions.join(',')}`);
  return parts.length ? parts.join(' ') : '-';
}

export function renderGroupList(groups: readonly GroupSummary[]): string {
  const rows = [...groups]
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
    .map((g) => [g.group, g.state, String(g.members), String(g.generation)]);
  return table(['GROUP', 'STATE', 'MEMBERS', 'GENERATION'], rows, [false, false, true, true]);
}

/** kafka-consumer-groups --describe style: a summary line, offsets with lag, then members. */
export function renderGroup(desc: GroupDescription): string {
  const owner = new Map<string, string>();
  for (const m of desc.members) {
    for (const a of [...m.assignment, ...m.revoking]) for (const p of a.partitions) owner.set(`${a.topic}\u0000${p}`, m.memberId);
  }
  const dash = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
  const lines = [
    `Group: ${desc.group}\tState: ${desc.state}\tGeneration: ${desc.generation}\tMembers: ${desc.members.length}\tLag: ${desc.lag}`,
    '',
  ];
  if (desc.offsets.length) {
    lines.push(
      table(
        ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-START-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID'],
        desc.offsets.map((o) => [
          o.topic,
          String(o.partition),
          dash(o.offset),
          dash(o.logStartOffset),
          dash(o.highWatermark),
          dash(o.lag),
          owner.get(`${o.topic}\u0000${o.partition}`) ?? '-',
        ]),
        [false, true, true, true, true, true, false],
      ),
    );
  } else {
    lines.push('No committed offsets.');
  }
  lines.push('');
  if (desc.members.length) {
    lines.push(
      table(
        ['MEMBER-ID', 'GENERATION', 'ASSIGNMENT', 'REVOKING', 'SESSION-TIMEOUT-MS'],
        desc.members.map((m) => [m.memberId, String(m.generation), formatAssignment(m.assignment), formatAssignment(m.revoking), String(m.sessionTimeoutMs)]),
        [false, true, false, false, true],
      ),
    );
  } else {
    lines.push('No active members.');
  }
  return lines.join('\n');
}

interface ResetCliOptions {
  topic: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: string;
  toOffset?: number;
  shiftBy?: number;
  partition?: number[];
  json?: boolean;
}

/** The one --to-* / --shift-by given, as the API's reset target. */
export function resetTargetFrom(opts: Omit<ResetCliOptions, 'topic'>): ResetTarget {
  const given: ResetTarget[] = [];
  const names: string[] = [];
  if (opts.toEarliest) (given.push('earliest'), names.push('--to-earliest'));
  if (opts.toLatest) (given.push('latest'), names.push('--to-latest'));
  if (opts.toDatetime !== undefined) (given.push({ datetime: parseDatetime(opts.toDatetime) }), names.push('--to-datetime'));
  if (opts.toOffset !== undefined) (given.push({ offset: opts.toOffset }), names.push('--to-offset'));
  if (opts.shiftBy !== undefined) (given.push({ shiftBy: opts.shiftBy }), names.push('--shift-by'));
  if (given.length === 0) throw new UsageError('reset-offsets needs one of --to-earliest, --to-latest, --to-datetime, --to-offset or --shift-by.');
  if (given.length > 1) throw new UsageError(`${names.join(', ')} cannot be combined: pick one.`);
  return given[0]!;
}

/** Epoch ms, or an ISO-8601 date / date-time. */
export function parseDatetime(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  if (!/^\d{4}-\d{2}-\d{2}/.test(t) || Number.isNaN(ms)) {
    throw new UsageError(`--to-datetime expects an ISO-8601 time (e.g. 2025-06-15T12:00:00Z) or epoch milliseconds, got '${text}'.`);
  }
  return ms;
}

const collectPartition = (v: string, prev: number[] | undefined): number[] => [...(prev ?? []), parseInteger(v, '--partition', { min: 0 })];

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list, describe, reset offsets of and delete consumer groups');

  groups
    .command('list')
    .description('list consumer groups')
    .option('--json', 'print the groups as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const list = await admin(cmd).listGroups();
      if (opts.json) printJson({ groups: list });
      else if (list.length) out(renderGroupList(list));
      else process.stderr.write('No consumer groups.\n');
    });

  groups
    .command('describe')
    .description('show a group: state, members and assignments, committed offsets and lag')
    .argument('<group>', 'group id')
    .option('--json', 'print the description as JSON')
    .action(async (group: string, opts: { json?: boolean }, cmd: Command) => {
      const desc = await admin(cmd).describeGroup(group);
      if (opts.json) printJson(desc);
      else out(renderGroup(desc));
    });

  groups
    .command('reset-offsets')
    .description("move a group's committed offsets of a topic (only while the group has no members)")
    .argument('<group>', 'group id')
    .requiredOption('--topic <topic>', 'topic whose offsets to move')
    .option('--to-earliest', 'to the log start of each partition')
    .option('--to-latest', 'to the high watermark of each partition (skip everything)')
    .option('--to-datetime <time>', 'to the first offset at or after this time (ISO-8601 or epoch ms)')
    .option('--to-offset <n>', 'to offset n (clamped into each partition\'s log)', (v) => parseInteger(v, '--to-offset', { min: 0 }))
    .option('--shift-by <n>', 'move by n from the committed offset (negative: back)', (v) => parseInteger(v, '--shift-by'))
    .option('-p, --partition <n>', 'only this partition (repeatable; default: all)', collectPartition)
    .option('--json', 'print the new offsets as JSON')
    .addHelpText(
      'after',
      `
Examples:
  sluice groups reset-offsets billing --topic orders --to-earliest
  sluice groups reset-offsets billing --topic orders --to-datetime 2025-06-15T12:00:00Z
  sluice groups reset-offsets billing --topic orders --shift-by -10 --partition 0`,
    )
    .action(async (group: string, opts: ResetCliOptions, cmd: Command) => {
      const to = resetTargetFrom(opts);
      const offsets = await admin(cmd).resetOffsets(group, {
        topic: opts.topic,
        to,
        ...(opts.partition?.length ? { partitions: [...new Set(opts.partition)] } : {}),
      });
      if (opts.json) printJson({ offsets });
      else {
        out(
          table(
            ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'],
            offsets.map((o) => [group, o.topic, String(o.partition), String(o.offset)]),
            [false, false, true, true],
          ),
        );
      }
    });

  groups
    .command('delete')
    .description('delete a group without members, with its committed offsets')
    .argument('<group>', 'group id')
    .option('--json', 'print {"deleted": group} as JSON')
    .action(async (group: string, opts: { json?: boolean }, cmd: Command) => {
      await admin(cmd).deleteGroup(group);
      if (opts.json) printJson({ deleted: group });
      else out(`Deleted group ${group}.`);
    });
}
