// sluice processors list|describe|query|reset|stop|start|run — stream processors (API.md
// "Processors"), over the SDK.
//
//   sluice processors list                       inputs, outputs, last error per processor
//   sluice processors describe wordcount         position, high watermark and lag per input partition, stores, errors,
//                                                records dropped (late, ...) or skipped
//   sluice processors query wordcount counts kafka
//   sluice processors windows views per-user alice --from 2026-01-01T10:00:00Z    a windowed store's windows
//   sluice processors query views per-user alice --from 0 --to 1700000000000     (the same)
//   sluice processors reset wordcount            start over with empty stores (like kafka-streams-application-reset)
//   sluice processors stop wordcount             no runtime runs it (kept across restarts) until
//   sluice processors start wordcount            ... it is started again
//   sluice processors run ./topology.ts          the dev server runs the module, reloading it on change
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ProcessorDescription, ProcessorSummary } from '../../client/types.ts';
import { createSluice, type GlobalOptions } from '../context.ts';
import { parseTime } from '../parse.ts';
import { out, printJson } from '../print.ts';
import { table } from '../table.ts';

const processors = (cmd: Command) => createSluice(cmd.optsWithGlobals<GlobalOptions>()).processors();

const errorText = (e: ProcessorSummary['lastError']): string =>
  e ? `${e.code}${e.topic !== undefined ? ` at ${e.topic}-${e.partition}@${e.offset}` : ''}: ${e.message}` : '';

export function renderProcessors(list: readonly ProcessorSummary[]): string {
  return table(
    ['NAME', 'STATE', 'INPUTS', 'OUTPUTS', 'LAST ERROR'],
    list.map((p) => [p.name, p.state, p.inputs.join(','), p.outputs.join(','), errorText(p.lastError)]),
  );
}

/** The tasks' counters (dropped-late:NODE, skipped-processing, ...) summed over tasks, by name. */
function countersOf(tasks: ProcessorDescription['tasks']): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const t of tasks) for (const [k, n] of Object.entries(t.metrics)) sums.set(k, (sums.get(k) ?? 0) + n);
  return [...sums].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1));
}

export function renderDescription(d: ProcessorDescription): string {
  const lines = [`Processor ${d.name} (${d.entry}), ${d.state}, incarnation ${d.incarnation}`];
  if (d.lastError) lines.push(`Last error: ${errorText(d.lastError)}`);
  lines.push(
    table(
      ['TOPIC', 'PARTITION', 'POSITION', 'HIGH WATERMARK', 'LAG'],
      d.lag.map((l) => [l.topic, String(l.partition), String(l.offset), String(l.highWatermark), String(l.lag)]),
      [false, true, true, true, true],
    ),
  );
  for (const t of d.tasks.filter((t) => t.lastError)) lines.push(`Task ${t.task} stopped: ${errorText(t.lastError)}`);
  if (d.wakeAt !== undefined) lines.push(`Next wall-clock tick: ${new Date(d.wakeAt).toISOString()} (a window to close or a punctuator due, even with no new input)`);
  const counters = countersOf(d.tasks);
  if (counters.length) lines.push(`Dropped and skipped records: ${counters.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (d.stores.length) lines.push(`Stores: ${d.stores.map((s) => `${s.name} (${s.kind}, ${s.keyFormat} -> ${s.valueFormat})`).join(', ')}`);
  return lines.join('\n');
}

interface WindowOptions {
  from?: number;
  to?: number;
  json?: boolean;
}

export function renderWindows(windows: ReadonlyArray<{ start: number; end: number; value: unknown }>): string {
  return table(
    ['START', 'END', 'VALUE'],
    windows.map((w) => [new Date(w.start).toISOString(), new Date(w.end).toISOString(), JSON.stringify(w.value)]),
  );
}

async function printWindows(c: Command, name: string, store: string, key: string, opts: WindowOptions): Promise<void> {
  const range = { ...(opts.from !== undefined ? { from: opts.from } : {}), ...(opts.to !== undefined ? { to: opts.to } : {}) };
  const windows = await processors(c).windows(name, store, key, range);
  if (opts.json) printJson({ key, windows });
  else if (windows.length) out(renderWindows(windows));
  else out(`Store ${store} of ${name} has no windows of key ${key} in that range.`);
}

/** `NAME STORE KEY [--from] [--to] [--json]`: the arguments of a store query. */
function storeKeyCommand(cmd: Command, command: string, description: string): Command {
  return cmd
    .command(command)
    .description(description)
    .argument('<name>', 'processor name')
    .argument('<store>', 'store name')
    .argument('<key>', 'the key, as text')
    .option('--from <time>', 'windows from this time (epoch ms or ISO-8601), inclusive; default all time', (v) => parseTime(v, '--from'))
    .option('--to <time>', 'windows up to this time (epoch ms or ISO-8601), inclusive; default all time', (v) => parseTime(v, '--to'))
    .option('--json', 'print windows as JSON');
}

export function registerProcessors(program: Command): void {
  const cmd = program.command('processors').description('stream processors: list, describe, query stores, reset, stop, start, run');

  cmd
    .command('list')
    .description('list the processors with their inputs, outputs and last error')
    .option('--json', 'print the processors as JSON')
    .action(async (opts: { json?: boolean }, c: Command) => {
      const list = await processors(c).list();
      if (opts.json) printJson({ processors: list });
      else if (list.length) out(renderProcessors(list));
      else out('No processors.');
    });

  cmd
    .command('describe')
    .description('position, high watermark and lag per input partition, last errors, stores')
    .argument('<name>', 'processor name (its application.id)')
    .option('--json', 'print the description as JSON')
    .action(async (name: string, opts: { json?: boolean }, c: Command) => {
      const d = await processors(c).describe(name);
      if (opts.json) printJson(d);
      else out(renderDescription(d));
    });

  storeKeyCommand(cmd, 'query', "a store's value for a key (interactive query); with --from/--to, a window or session store's windows of the key").action(
    async (name: string, store: string, key: string, opts: WindowOptions, c: Command) => {
      if (opts.from !== undefined || opts.to !== undefined) return printWindows(c, name, store, key, opts);
      const found = await processors(c).query(name, store, key);
      if (found) printJson(found);
      else out(`Store ${store} of ${name} has no value for key ${key}.`);
    },
  );

  storeKeyCommand(cmd, 'windows', "a window or session store's windows of a key that start (sessions: overlap) in [--from, --to]").action(
    (name: string, store: string, key: string, opts: WindowOptions, c: Command) => printWindows(c, name, store, key, opts),
  );

  cmd
    .command('reset')
    .description('start the processor over from its starting offsets with empty stores (stop it first)')
    .argument('<name>', 'processor name')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { json?: boolean }, c: Command) => {
      const r = await processors(c).reset(name);
      if (opts.json) printJson(r);
      else out(`Reset processor ${name}: incarnation ${r.incarnation}, ${r.deletedTasks} task items and ${r.deletedStateItems} state items deleted.`);
    });

  for (const [verb, what] of [['stop', 'stop the processor: no runtime runs it, across restarts, until started'], ['start', 'start a stopped processor from its committed positions']] as const) {
    cmd
      .command(verb)
      .description(what)
      .argument('<name>', 'processor name')
      .option('--json', 'print the processor as JSON')
      .action(async (name: string, opts: { json?: boolean }, c: Command) => {
        const p = verb === 'stop' ? await processors(c).stop(name) : await processors(c).start(name);
        if (opts.json) printJson(p);
        else out(`Processor ${p.name}: ${p.state}.`);
      });
  }

  cmd
    .command('run')
    .description('run a topology module in the dev server (reloaded when the file changes); it must lie in a directory the server allows modules from')
    .argument('<path>', "the module: exports config ({ 'application.id', ... }) and its topology (default export or 'topology')")
    .option('--json', 'print the processor as JSON')
    .action(async (path: string, opts: { json?: boolean }, c: Command) => {
      const p = await processors(c).run(resolve(path));
      if (opts.json) printJson(p);
      else out(`Processor ${p.name} runs ${p.entry} (inputs ${p.inputs.join(', ')}; outputs ${p.outputs.join(', ') || 'none'}); it reloads when the file changes.`);
    });
}
