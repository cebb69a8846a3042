// Writing to stdout: a line (newline added when missing), JSON for --json, and a writer
// that waits for stdout to drain, so a slow reader of our output slows us down.

export const out = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

export const printJson = (v: unknown): void => out(JSON.stringify(v, null, 2));

export function stdoutWriter(): (chunk: Buffer) => Promise<void> {
  return (chunk) =>
    new Promise((resolve) => {
      if (process.stdout.write(chunk)) resolve();
      else process.stdout.once('drain', resolve);
    });
}
