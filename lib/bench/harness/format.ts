// How figures are written in the report: milliseconds, dollars, shares, and lists of
// storage calls, the same in every section.
import type { MeterSnapshot } from './meter.ts';
import { round } from './stats.ts';

export { table } from '../../cli/table.ts';

export const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n < 10 ? n.toFixed(2) : n.toFixed(1));
export const usd = (n: number): string => (n >= 0.1 ? n.toFixed(3) : n >= 0.001 ? n.toFixed(5) : n.toExponential(2));
export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
/** A figure for the targets table: 3 significant digits, or n/a. */
export const figure = (n: number | undefined, digits = 3): string => (n === undefined ? 'n/a' : String(round(n, digits)));

/** `GetItem.partitions 1, PutObject 1 [tx: Put.segments 1]`: calls and transaction actions. */
export function callList(s: MeterSnapshot): string {
  const calls = Object.entries(s.calls).map(([k, n]) => `${k.replace(/^dynamodb\./, '').replace(/^s3\./, '')} ${round(n, 3)}`);
  const actions = Object.entries(s.transactItems).map(([k, n]) => `${k} ${round(n, 3)}`);
  return `${calls.join(', ')}${actions.length ? ` [tx: ${actions.join(', ')}]` : ''}`;
}

/** Pass/fail rows against a limit on one --json key. */
export const atMost = (values: Record<string, number>, name: string, limit: number) => limitRow(values, name, `<= ${limit}`, (v) => v <= limit);
export const atLeast = (values: Record<string, number>, name: string, limit: number) => limitRow(values, name, `>= ${limit}`, (v) => v >= limit);

function limitRow(values: Record<string, number>, name: string, target: string, ok: (v: number) => boolean) {
  const v = values[name];
  return { name, value: figure(v), target, ...(v !== undefined ? { pass: ok(v) } : {}) };
}
