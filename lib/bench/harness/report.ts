// The benchmark's output: the flat numeric keys of the --json file, the targets with
// pass/fail marks, and the human-readable report. Each section contributes its own keys,
// figures, targets and blocks (section.ts); this file lays them out, sections in report
// order (ties in the order ../sections.ts lists them). Pure functions of the results.
import { SECTIONS } from '../sections.ts';
import { table } from './format.ts';
import type { ResultOf, Section, TargetRow, Values } from './section.ts';
import { round } from './stats.ts';

export type { TargetRow, Values } from './section.ts';

/** Each section's result, under its name; absent when it did not run. */
export type BenchParts = { [S in (typeof SECTIONS)[number] as S['name']]?: ResultOf<S> };

export interface BenchMeta {
  date: string;
  mode: 'local' | 'endpoint';
  endpoint: string;
  size: 'full' | 'quick';
  node: string;
  cpus: number;
  cpuModel: string;
  platform: string;
  durationSec?: number;
  notes: string[];
}

type AnySection = Section<string, any, any>;

/** Sections in report order. */
export const inReportOrder = (sections: readonly AnySection[]): AnySection[] =>
  [...sections].sort((a, b) => (a.reportOrder ?? Infinity) - (b.reportOrder ?? Infinity));

/** The sections that ran, with their results, in report order. */
function ran(parts: BenchParts, sections: readonly AnySection[]): [AnySection, unknown][] {
  return inReportOrder(sections).flatMap((s) => {
    const result = (parts as Record<string, unknown>)[s.name];
    return result === undefined ? [] : [[s, result] as [AnySection, unknown]];
  });
}

/** The flat dotted keys of the --json file; every value a finite number or absent. */
export function buildValues(parts: BenchParts, sections: readonly AnySection[] = SECTIONS): Values {
  const v: Values = {};
  const put = (key: string, n: number | undefined, digits = 4) => {
    if (n !== undefined && Number.isFinite(n)) v[key] = Number.isInteger(n) ? n : round(n, digits);
  };
  for (const [s, result] of ran(parts, sections)) s.values(result, put);
  return v;
}

/** Every section's targets, run or not. */
export function evaluateTargets(v: Values, sections: readonly AnySection[] = SECTIONS): TargetRow[] {
  return inReportOrder(sections).flatMap((s) => s.targets?.(v) ?? []);
}

const mark = (pass: boolean | undefined): string => (pass === undefined ? '-  not run' : pass ? '✓  pass' : '✗  FAIL');

export function renderReport(meta: BenchMeta, parts: BenchParts, v: Values, sections: readonly AnySection[] = SECTIONS): string {
  const done = ran(parts, sections);
  const lines: string[] = [];
  lines.push(
    `Sluice benchmark — ${meta.date}, ${meta.size} run, ${meta.mode === 'local' ? 'local platform (dev server, DynamoDB Local, s3rver)' : `endpoint ${meta.endpoint}`}`,
    `${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, ${meta.platform}${meta.durationSec ? `, took ${meta.durationSec.toFixed(0)} s` : ''}`,
    '',
  );
  const rows: string[][] = [];
  for (const [s, result] of done) s.figures?.(result, (name, value, context = '') => rows.push([name, value, context]));
  lines.push(table(['FIGURE', 'VALUE', ''], rows, [false, true, false]), '');

  lines.push('Targets', table(['', 'VALUE', 'TARGET', ''], evaluateTargets(v, sections).map((t) => [t.name, t.value, t.target, mark(t.pass)]), [false, true, false, false]), '');

  for (const [s, result] of done) lines.push(...(s.details?.(result) ?? []));
  for (const [s, result] of done) lines.push(...(s.footer?.(result) ?? []));
  if (meta.notes.length) lines.push('Notes', ...meta.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
