// `sluice dev` as users start it, for end-to-end tests of its lifetime: directly
// (`node lib/cli/bin.mjs dev`) or through an npm wrapper (`npm start`, `npm exec`), and
// the processes it is made of, found through /proc: the wrapper and its `sh -c`, the
// node process, s3rver's child, DynamoDB Local's JVM and the watchdog.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isRunning } from './processes.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'lib/cli/bin.mjs');

export type Launcher = 'node' | 'npm start' | 'npm exec';

export interface StackPids {
  node: number;
  java: number;
  s3rver: number;
  watchdog: number;
}

export interface DevProcess {
  /** What was spawned: the node process itself, or the npm wrapper. */
  child: ChildProcess;
  url: string;
  port: number;
  /** The Kafka gateway's port; 0 when it runs without one. */
  kafkaPort: number;
  pids: StackPids;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the spawned process's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once every process writing to our pipes has closed them: the output is complete. */
  closed: Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/** pid → { ppid, argv } for every process we can see. */
function processTable(): Map<number, { ppid: number; argv: string[] }> {
  const table = new Map<number, { ppid: number; argv: string[] }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      table.set(Number(entry), { ppid, argv });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** The processes of the stack started under `rootPid`. */
export function stackPids(rootPid: number): StackPids {
  const table = processTable();
  const descendants = (pid: number): number[] =>
    [...table].filter(([, p]) => p.ppid === pid).flatMap(([child]) => [child, ...descendants(child)]);
  const mine = [rootPid, ...descendants(rootPid)];
  const find = (what: string, test: (argv: string[]) => boolean): number => {
    const pid = mine.find((p) => test(table.get(p)?.argv ?? []));
    if (pid === undefined) throw new Error(`no ${what} process under ${rootPid}`);
    return pid;
  };
  const node = find('node', (a) => a.includes('dev') && a.some((x) => x.endsWith('bin.mjs') || x.endsWith('/sluice')) && !a.includes('-c'));
  const children = mine.filter((p) => table.get(p)?.ppid === node);
  const child = (what: string, test: (argv: string[]) => boolean) => {
    const pid = children.find((p) => test(table.get(p)?.argv ?? []));
    if (pid === undefined) throw new Error(`no ${what} process under node ${node}`);
    return pid;
  };
  return {
    node,
    java: child('java', (a) => a[0] === 'java' || a[0]?.endsWith('/java') === true),
    s3rver: child('s3rver', (a) => a.some((x) => x.endsWith('s3rver-process.ts'))),
    watchdog: child('watchdog', (a) => a.includes('sluice-watchdog')),
  };
}

/** The parent pid of `pid`, from /proc. */
export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * Starts `sluice dev` on `port` with `dataDir`, by `launcher`, and waits until it listens.
 * `detached` puts it in a process group of its own, as a terminal does with a job;
 * `kafkaPort` serves the Kafka protocol there (default 0: no gateway, so that parallel
 * cases never share its default port).
 */
export async function startDev(
  launcher: Launcher,
  port: number,
  dataDir: string,
  opts: { detached?: boolean; kafkaPort?: number } = {},
): Promise<DevProcess> {
  const kafkaPort = opts.kafkaPort ?? 0;
  const args = ['dev', '--port', String(port), '--data-dir', dataDir, '--kafka-port', String(kafkaPort)];
  const [command, argv] =
    launcher === 'node'
      ? [process.execPath, [BIN, ...args]]
      : launcher === 'npm start'
        ? ['npm', ['start', '--', ...args.slice(1)]]
        : ['npm', ['exec', '--', 'sluice', ...args]];
  const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sluice dev did not start within 120 s:\n${output}`)), 120_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sluice dev exited (${code}) before listening:\n${output}`));
    });
  });
  return { child, url, port, kafkaPort, pids: stackPids(child.pid!), output: () => output, exited, closed };
}

/** The pids of the list still running. */
export const running = (pids: number[]): number[] => pids.filter((p) => isRunning(p));
