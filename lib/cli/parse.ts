// Parsing of command-line values: k=v configs and headers, integers, times, and the
// key/value split of `produce --key-separator`.
import { UsageError } from './errors.ts';

/** `k=v` → [k, v]; splits at the first '=', so values may contain '='. */
export function parseKeyValue(text: string, what = '--config'): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`${what} expects key=value, got '${text}'.`);
  return [text.slice(0, i), text.slice(i + 1)];
}

/** Repeated `--config k=v` options → an object (a later key wins). */
export function parseConfigs(items: readonly string[] | undefined, what = '--config'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const [k, v] = parseKeyValue(item, what);
    out[k] = v;
  }
  return out;
}

/** Commander collector for repeatable options. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function parseInteger(text: string, what: string, opts: { min?: number; max?: number } = {}): number {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw new UsageError(`${what} must be an integer, got '${text}'.`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what} is out of range: ${text}.`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`${what} must be at least ${opts.min}, got ${n}.`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`${what} must be at most ${opts.max}, got ${n}.`);
  return n;
}

/** `--from-time` (or the option named `what`): epoch milliseconds, or an ISO-8601 date/time. */
export function parseTime(text: string, what = '--from-time'): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  if (!/^\d{4}-\d{2}-\d{2}/.test(t) || Number.isNaN(ms)) {
    throw new UsageError(`${what} expects epoch milliseconds or an ISO-8601 time (e.g. 2025-06-15T12:00:00Z), got '${text}'.`);
  }
  return ms;
}

/**
 * Splits a produced line into key and value at the first occurrence of the separator.
 * Returns undefined when the line has no separator (the caller reports it).
 */
export function splitKey(line: Buffer, separator: Buffer): { key: Buffer; value: Buffer } | undefined {
  if (separator.length === 0) throw new UsageError('--key-separator must not be empty.');
  const i = line.indexOf(separator);
  if (i < 0) return undefined;
  return { key: line.subarray(0, i), value: line.subarray(i + separator.length) };
}
