// sluice maintenance run — one maintenance pass now (retention, compaction, cleanup), as
// the schedule would run it, and a summary of what it did.
import type { Command } from 'commander';
import { createSluice, type GlobalOptions } from '../context.ts';
import { collect } from '../parse.ts';
import { out } from '../print.ts';
import { table } from '../table.ts';

export function registerMaintenance(program: Command): void {
  const maintenance = program.command('maintenance').description('retention, compaction and cleanup');
  maintenance
    .command('run')
    .description('run one maintenance pass now and show what it did')
    .option('--topic <name>', 'only this topic (repeatable; default: all, and deleted topics\' data)', collect)
    .option('--json', 'print the full report as JSON')
    .action(async (opts: { topic?: string[]; json?: boolean }, cmd: Command) => {
      const admin = createSluice(cmd.optsWithGlobals<GlobalOptions>()).admin();
      const report = await admin.runMaintenance(opts.topic?.length ? { topics: opts.topic } : {});
      if (opts.json) {
        out(JSON.stringify(report, null, 2));
        return;
      }
      out(table(['what', 'count'], Object.entries(report.totals).map(([k, v]) => [k, String(v)])));
      out(`pass took ${report.durationMs} ms`);
      for (const e of report.errors) process.stderr.write(`warning: ${e.topic ?? ''}${e.partition === undefined ? '' : `/${e.partition}`}: ${e.message ?? ''}\n`);
    });
}
