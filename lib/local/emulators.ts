// Local stand-ins for AWS: DynamoDB Local (a Java process, dynamodb-local.ts) and s3rver
// (in a Node child process, s3rver-child.ts). Used by `sluice dev` and by the test
// harness.
//
// Both are started with one key pair (credentials.ts): the secret that keeps the data of
// DynamoDB Local, which listens on every interface, away from anyone else who can reach
// its port. s3rver listens on 127.0.0.1 only.
//
// Neither outlives us, and neither is killed before it was asked to stop and given time
// to (children.ts). If one of them ends (or is sent a stop signal) without stop(), the
// `interrupted` promise says so, and the caller should stop the rest.
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dataDirCredentials, newCredentials, prepareDynamoDbDirectory, type EmulatorCredentials } from './credentials.ts';
import type { EmulatorInterruption } from './children.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { startS3rver } from './s3rver-child.ts';

export { assertJava, MIN_JAVA_VERSION, parseJavaMajorVersion } from './java.ts';
export { freePort, type EmulatorInterruption } from './children.ts';
export type { EmulatorCredentials } from './credentials.ts';

export interface EmulatorOptions {
  /** Keep data here (`dynamodb/`, `s3/`, `credentials.json`) across restarts. Without it,
   *  DynamoDB is in-memory and S3 objects go to a temporary directory removed by stop(). */
  dataDir?: string;
  /** Do not forward DynamoDB Local's console output to our stderr. */
  quiet?: boolean;
  /** How long DynamoDB Local may take to answer; default 60 s (a loaded machine can
   *  take 10 s and more to start a JVM). */
  startTimeoutMs?: number;
}

export interface Emulators {
  endpoints: { dynamodb: string; s3: string };
  /** The only key pair both emulators serve this data with (see credentials.ts). */
  credentials: EmulatorCredentials;
  /** The region the data is kept under (DynamoDB Local keeps one database per region too). */
  region: string;
  /** Process id of DynamoDB Local's JVM. */
  pid: number;
  /** Where s3rver keeps its objects. */
  s3Directory: string;
  /**
   * Resolves when, without stop(), an emulator exited (`failed`) or was sent a stop signal
   * (SIGINT, SIGTERM, SIGHUP), which asks for the whole stack to stop. Never rejects.
   */
  interrupted: Promise<EmulatorInterruption>;
  /** Stops both emulators; waits for them to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

export const EMULATOR_REGION = 'us-east-1';
const DEFAULT_START_TIMEOUT_MS = 60_000;

/** The data directory's layout: private subdirectories for each emulator, and its key pair. */
async function prepareDataDir(dataDir: string) {
  const dbPath = join(dataDir, 'dynamodb');
  const s3Directory = join(dataDir, 's3');
  for (const dir of [dbPath, s3Directory]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  const credentials = await dataDirCredentials(dataDir);
  await prepareDynamoDbDirectory(dbPath, credentials, EMULATOR_REGION);
  return { dbPath, s3Directory, credentials };
}

export async function startEmulators(opts: EmulatorOptions = {}): Promise<Emulators> {
  const dataDir = opts.dataDir === undefined ? undefined : resolve(opts.dataDir);
  const quiet = opts.quiet ?? false;
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  let dbPath: string | undefined;
  let s3Directory: string;
  let tempDir: string | undefined;
  let credentials: EmulatorCredentials;
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    ({ dbPath, s3Directory, credentials } = await prepareDataDir(dataDir));
  } else {
    tempDir = await mkdtemp(join(tmpdir(), 'sluice-s3-'));
    s3Directory = tempDir;
    credentials = newCredentials();
  }
  const removeTemp = async () => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };

  let interrupt: (what: EmulatorInterruption) => void = () => {};
  const interrupted = new Promise<EmulatorInterruption>((resolveInterrupted) => (interrupt = resolveInterrupted));
  // Both start at once: the JVM takes seconds, the s3rver child a fraction of that.
  const [s3Result, ddbResult] = await Promise.allSettled([
    startS3rver(s3Directory, { quiet, timeoutMs, credentials, onInterrupted: (what) => interrupt(what) }),
    startDynamoDbLocal({ dbPath, credentials, region: EMULATOR_REGION, quiet, timeoutMs, onInterrupted: (what) => interrupt(what) }),
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
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    region: EMULATOR_REGION,
    pid: ddb.child.pid!,
    s3Directory,
    interrupted,
    stop: () =>
      (stopping ??= (async () => {
        const results = await Promise.allSettled([ddb.stop(), s3.stop()]);
        await removeTemp();
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      })()),
  };
}
