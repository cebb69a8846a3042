// The Java that DynamoDB Local needs: found on PATH, at least Java 17, or a message that
// says what to install instead.
import { spawnSync } from 'node:child_process';

export const MIN_JAVA_VERSION = 17;

/** Parses the major version out of `java -version` output ("1.8.0_x" is 8). */
export function parseJavaMajorVersion(output: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(output) ?? /^\S+ (\d+)(?:\.(\d+))?/m.exec(output);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/**
 * Checks that `java` (as found on env.PATH) is at least Java 17 and returns its major
 * version; throws an Error saying what to do otherwise.
 */
export function assertJava(opts: { env?: NodeJS.ProcessEnv; command?: string } = {}): number {
  const command = opts.command ?? 'java';
  const r = spawnSync(command, ['-version'], { env: opts.env ?? process.env, encoding: 'utf8', timeout: 15_000 });
  const output = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim();
  let found: string;
  let major: number | undefined;
  if (r.error) {
    found = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `no \`${command}\` command` : `\`${command} -version\` failed: ${r.error.message}`;
  } else {
    major = parseJavaMajorVersion(output);
    const firstLine = output.split('\n')[0] ?? '';
    found = major === undefined ? `unrecognised \`${command} -version\` output: ${JSON.stringify(firstLine)}` : `Java ${major}: ${firstLine}`;
  }
  if (major === undefined || major < MIN_JAVA_VERSION) {
    throw new Error(
      `DynamoDB Local needs Java ${MIN_JAVA_VERSION} or newer on PATH (found ${found}). ` +
        'Install a JDK, e.g. `apt-get install openjdk-17-jre-headless`, or set AWS_ENDPOINT_URL to use LocalStack instead.',
    );
  }
  return major;
}
