// What a benchmark section is: one measured part of `sluice bench` (produce, codec,
// fetch…) with its workload sizes, where it can run, how it runs, and how its result
// shows in the report and in the --json file. The suite (suite.ts) runs the sections
// listed in ../sections.ts in that order, and the report (report.ts) asks each for its
// lines in report order; so a new section is one file exporting a Section and one line
// in that list.
import type { BenchContext } from './context.ts';

export type RunSize = 'full' | 'quick';

/**
 * Where a section can run:
 *   process  CPU only, in this process; runs first, before the local platform starts
 *   http     over the HTTP API: the local platform's, or an --endpoint's
 *   local    needs the local platform the suite starts (its storage calls are metered)
 */
export type Where = 'process' | 'http' | 'local';

/** The --json file's flat dotted keys, each a finite number. */
export type Values = Record<string, number>;

/** Sets a --json key, rounded to `digits` significant digits; absent or non-finite values are left out. */
export type Put = (key: string, n: number | undefined, digits?: number) => void;

/** Sets `prefix.key` for each entry of `figures`. */
export function putAll(put: Put, prefix: string, figures: Record<string, number | undefined>): void {
  for (const [key, n] of Object.entries(figures)) put(`${prefix}.${key}`, n);
}

/** Adds a line to the FIGURE table: the figure's name, its value, and what it means. */
export type FigureRow = (name: string, value: string, context?: string) => void;

export interface TargetRow {
  name: string;
  value: string;
  target: string;
  /** undefined when the figure was not measured in this run. */
  pass?: boolean;
}

export interface Section<N extends string = string, R = unknown, S = unknown> {
  /** The key of its result and the prefix of its --json keys. */
  name: N;
  where: Where;
  /** Its place in the report and the --json file, lowest first; without one, after those with one. */
  reportOrder?: number;
  /** The workload of a full run and of --quick. */
  sizes: Record<RunSize, S>;
  /** The progress line while it runs. */
  title(size: S, ctx: BenchContext): string;
  /** Measures; throws SectionSkipped when it cannot run here. */
  run(ctx: BenchContext, size: S): Promise<R>;
  /** Its --json keys. */
  values(result: R, put: Put): void;
  figures?(result: R, row: FigureRow): void;
  /** Pass/fail rows, shown as `not run` when the figures are missing. */
  targets?(values: Values): TargetRow[];
  /** Blocks printed after the targets, sections in registry order. */
  details?(result: R): string[];
  /** Lines printed after every section's details, before the notes. */
  footer?(result: R): string[];
  /** How to read its figures. */
  notes?(result: R): string[];
  /** What --quick changes in it that a reader should know, as a clause of the --quick note. */
  quickNote?(quick: S, full: S): string;
}

/** The result type of a section. */
export type ResultOf<T> = T extends Section<infer _N, infer R, infer _S> ? R : never;

/** Thrown by a section that cannot run here; the suite says why in the notes and goes on. */
export class SectionSkipped extends Error {
  override name = 'SectionSkipped';
}

/** Declares a section with its types inferred (name as a literal, result, sizes). */
export function defineSection<const N extends string, R, S>(section: Section<N, R, S>): Section<N, R, S> {
  return section;
}
