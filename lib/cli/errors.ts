// How the CLI fails: usage errors exit 2, everything else (API errors included) exits 1
// with `error: <CODE>: <message>` on stderr. Warnings go to stderr too, repeats held back.
import { isSluiceError } from '../client/errors.ts';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong: bad option value, missing argument, conflicting options. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure with a prepared message and exit code (no code prefix). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_ERROR,
  ) {
    super(message);
  }
}

/** The line printed to stderr for an error, and the exit code. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UsageError) return { message: `error: ${err.message}`, exitCode: EXIT_USAGE };
  if (err instanceof CliError) return { message: `error: ${err.message}`, exitCode: err.exitCode };
  if (isSluiceError(err)) return { message: `error: ${err.code}: ${err.message}`, exitCode: EXIT_ERROR };
  const e = err as Error | undefined;
  const message = e instanceof Error ? e.message : String(err);
  const debug = process.env.SLUICE_DEBUG && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  return { message: `error: ${message}${debug}`, exitCode: EXIT_ERROR };
}

/** Says each line at most once per 10 s: the same trouble tends to hit every partition at once. */
export function warnOnce(warn: (line: string) => void): (line: string) => void {
  const said = new Map<string, number>();
  return (line) => {
    const now = Date.now();
    if (now - (said.get(line) ?? -Infinity) < 10_000) return;
    said.set(line, now);
    warn(line);
  };
}
