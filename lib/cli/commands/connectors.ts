// sluice connectors create|list|status|config|pause|resume|stop|restart|delete|offsets|plugins|validate
// — connectors as Kafka Connect's REST API manages them (API.md "Connectors").
//
//   sluice connectors create local-file-source -f connect-file-source.json   Kafka's JSON: {"name","config"} or a bare config
//   sluice connectors create sink --config connector.class=FileStreamSink --config topics=t --config file=out.txt
//   sluice connectors list                           name, type, state and task states
//   sluice connectors status sink                    per task, with the trace of a failed one
//   sluice connectors pause|resume|stop|restart|delete sink
//   sluice connectors offsets sink [--reset | --set '{"offsets":[...]}']   (stopped connectors only, for changes)
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConnectorOffset, ConnectorStatus } from '../../client/index.ts';
import { createSluice, type GlobalOptions } from '../context.ts';
import { UsageError } from '../errors.ts';
import { out, printJson } from '../print.ts';
import { table } from '../table.ts';

const connectors = (cmd: Command) => createSluice(cmd.optsWithGlobals<GlobalOptions>()).connectors();

/** A config from `--config k=v` pairs and/or a JSON file (Kafka's {"name","config"} or the bare map). */
export function configFrom(opts: { config?: string[]; file?: string }, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): { name?: string; config: Record<string, string> } {
  let name: string | undefined;
  const config: Record<string, string> = {};
  if (opts.file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(opts.file));
    } catch (err) {
      throw new UsageError(`-f ${opts.file}: ${(err as Error).message}`);
    }
    const p = parsed as { name?: unknown; config?: unknown };
    const map = typeof p.config === 'object' && p.config !== null ? p.config : parsed;
    if (typeof p.name === 'string' && typeof p.config === 'object') name = p.name;
    for (const [k, v] of Object.entries(map as Record<string, unknown>)) config[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  for (const pair of opts.config ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--config ${pair}: give KEY=VALUE.`);
    config[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (Object.keys(config).length === 0) throw new UsageError('give the config with --config KEY=VALUE (repeatable) or -f FILE.');
  return { ...(name !== undefined ? { name } : {}), config };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Status as a few lines: the connector's state, then each task's (and a failed task's trace). */
export function renderStatus(s: ConnectorStatus): string {
  const lines = [`Connector ${s.name} (${s.type}): ${s.connector.state}`];
  for (const t of s.tasks) lines.push(`  task ${t.id}: ${t.state}${t.trace ? `\n    ${t.trace.split('\n').join('\n    ')}` : ''}`);
  return lines.join('\n');
}

function renderOffsets(offsets: ConnectorOffset[]): string {
  return table(['PARTITION', 'OFFSET'], offsets.map((o) => [JSON.stringify(o.partition), JSON.stringify(o.offset)]));
}

function registerStateCommands(group: Command): void {
  const verbs: [string, string, (c: ReturnType<typeof connectors>, n: string) => Promise<void>, string][] = [
    ['pause', 'stop delivering or polling; the task stays assigned', (c, n) => c.pause(n), 'Paused'],
    ['resume', 'run a paused or stopped connector again', (c, n) => c.resume(n), 'Resumed'],
    ['stop', 'stop the connector and its tasks (offsets can then be changed)', (c, n) => c.stop(n), 'Stopped'],
    ['restart', 'restart the task from the committed offsets (clears a failure)', (c, n) => c.restart(n), 'Restarted'],
    ['delete', 'delete the connector and its offsets', (c, n) => c.delete(n), 'Deleted'],
  ];
  for (const [verb, description, run, done] of verbs) {
    group
      .command(verb)
      .description(description)
      .argument('<name>', 'connector name')
      .action(async (name: string, _opts: object, cmd: Command) => {
        await run(connectors(cmd), name);
        out(`${done} connector ${name}.`);
      });
  }
}

export function registerConnectors(program: Command): void {
  const group = program.command('connectors').description('import and export data with connectors: create, list, status, pause, resume, stop, restart, delete, offsets');

  group
    .command('create')
    .description('create a connector from --config KEY=VALUE pairs and/or a JSON file (Kafka Connect\'s format)')
    .argument('[name]', 'connector name (default: the file\'s "name")')
    .option('--config <key=value>', 'a setting (repeatable)', collect)
    .option('-f, --file <path>', 'a JSON file: {"name","config":{...}} or the config alone')
    .option('--json', 'print the connector as JSON')
    .action(async (nameArg: string | undefined, opts: { config?: string[]; file?: string; json?: boolean }, cmd: Command) => {
      const { name: fileName, config } = configFrom(opts);
      const name = nameArg ?? fileName ?? config.name;
      if (!name) throw new UsageError('name the connector: sluice connectors create NAME ... (or "name" in the file).');
      const { name: _ignored, ...rest } = config;
      const created = await connectors(cmd).create({ name, config: rest });
      if (opts.json) printJson(created);
      else out(`Created ${created.type} connector ${created.name}.`);
    });

  group
    .command('list')
    .description('list connectors with their type and state')
    .option('--json', 'print names, status and info as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const all = await connectors(cmd).listExpanded();
      if (opts.json) return printJson(all);
      const rows = Object.entries(all).map(([name, e]) => [name, e.info?.type ?? '', e.status?.connector.state ?? '', (e.status?.tasks ?? []).map((t) => `${t.id}:${t.state}`).join(' ')]);
      out(rows.length ? table(['NAME', 'TYPE', 'STATE', 'TASKS'], rows) : 'No connectors.');
    });

  group
    .command('status')
    .description('the connector\'s state and each task\'s, with the error of a failed task')
    .argument('<name>', 'connector name')
    .option('--json', 'print the status as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const status = await connectors(cmd).status(name);
      if (opts.json) printJson(status);
      else out(renderStatus(status));
    });

  group
    .command('config')
    .description('print a connector\'s config, or replace it with --config / -f')
    .argument('<name>', 'connector name')
    .option('--config <key=value>', 'a setting (repeatable)', collect)
    .option('-f, --file <path>', 'a JSON file with the config')
    .action(async (name: string, opts: { config?: string[]; file?: string }, cmd: Command) => {
      if (opts.config === undefined && opts.file === undefined) return printJson(await connectors(cmd).config(name));
      const { config } = configFrom(opts);
      await connectors(cmd).putConfig(name, config);
      out(`Updated the config of connector ${name}.`);
    });

  registerStateCommands(group);

  registerOffsetCommands(group);
}

/** offsets and plugins: what is beside a connector's lifecycle. */
function registerOffsetCommands(group: Command): void {
  group
    .command('offsets')
    .description('print a connector\'s offsets, or (stopped only) --reset them or --set them')
    .argument('<name>', 'connector name')
    .option('--reset', 'remove every offset: the connector starts from scratch')
    .option('--set <json>', 'offsets as KIP-875 writes them: {"offsets":[{"partition":{...},"offset":{...}}]}')
    .option('--json', 'print the offsets as JSON')
    .action(async (name: string, opts: { reset?: boolean; set?: string; json?: boolean }, cmd: Command) => {
      const c = connectors(cmd);
      if (opts.reset) return void (await c.resetOffsets(name), out(`Reset the offsets of connector ${name}.`));
      if (opts.set !== undefined) {
        let body: { offsets?: ConnectorOffset[] };
        try {
          body = JSON.parse(opts.set) as { offsets?: ConnectorOffset[] };
        } catch (err) {
          throw new UsageError(`--set: ${(err as Error).message}`);
        }
        await c.alterOffsets(name, body.offsets ?? []);
        return out(`Altered the offsets of connector ${name}.`);
      }
      const offsets = await c.offsets(name);
      if (opts.json) printJson({ offsets });
      else out(offsets.length ? renderOffsets(offsets) : `Connector ${name} has no offsets.`);
    });

  group
    .command('plugins')
    .description('the connector classes this platform runs (--all: transforms, predicates, converters too)')
    .option('--all', 'every plugin, not only connectors')
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      const list = await connectors(cmd).plugins({ connectorsOnly: !opts.all });
      out(table(['CLASS', 'TYPE', 'VERSION'], list.map((p) => [p.class, p.type, p.version])));
    });
}
