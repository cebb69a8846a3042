// s3rver in a child process of its own, forked by startS3rver() (s3rver-child.ts).
//
// s3rver does much of its work synchronously (its ListObjects walks the whole bucket
// directory with statSync/readdirSync on every page), which in the dev server's process
// would stall every request while a large bucket is listed. Here it can only stall itself.
//
// Protocol (over the IPC channel): argv[2] is the directory for s3rver's objects; the
// key pair it accepts comes in the environment (CREDENTIALS_ENV_VAR, JSON). Once s3rver
// listens on 127.0.0.1 we send { type: 'ready', port }; if it cannot start, we send
// { type: 'error', message } and exit 1. The parent sends { type: 'stop' } to have us
// close and exit. Our lifetime is the parent's: we exit when the IPC channel closes (the
// parent exited or was killed, SIGKILL included). A stop signal (SIGINT, SIGTERM,
// SIGHUP) is reported as { type: 'signal', signal } and otherwise ignored: the parent
// then stops everything in order, and we keep serving its last requests until it asks.
import { createRequire } from 'node:module';
import S3rver from 's3rver';
import { STOP_SIGNALS } from './children.ts';
import { CREDENTIALS_ENV_VAR } from './s3rver-child.ts';
import { applyS3rverFixes } from './s3rver-compat.ts';

export type S3rverParentMessage = { type: 'stop' };
export type S3rverChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'error'; message: string }
  | { type: 'signal'; signal: NodeJS.Signals };

const send = (message: S3rverChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

/** s3rver's built-in account (one hard-wired key pair, S3RVER/S3RVER) and its registry. */
interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

/** Accept our key pair, and no longer the well-known one. */
function useCredentials(json: string | undefined): void {
  const { DUMMY_ACCOUNT } = createRequire(import.meta.url)('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: S3rverAccount };
  const credentials = JSON.parse(json ?? 'null') as { accessKeyId?: unknown; secretAccessKey?: unknown } | null;
  if (typeof credentials?.accessKeyId !== 'string' || typeof credentials.secretAccessKey !== 'string') {
    throw new Error(`${CREDENTIALS_ENV_VAR} must hold {"accessKeyId","secretAccessKey"}`);
  }
  DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  if (credentials.accessKeyId !== 'S3RVER') DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
}

if (!process.send) {
  process.stderr.write('s3rver-process: must be started with child_process.fork() (no IPC channel)\n');
  process.exit(2);
}

process.on('disconnect', () => process.exit(0));
for (const signal of STOP_SIGNALS) process.on(signal, () => void send({ type: 'signal', signal }));

const directory = process.argv[2];
let s3: S3rver | undefined;
let closing: Promise<void> | undefined;
const closeAndExit = () =>
  (closing ??= (async () => {
    const server = s3?.httpServer;
    if (server?.listening) {
      const closed = s3!.close();
      // Clients with keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections();
      await closed.catch(() => {});
    }
    process.exit(0);
  })());

process.on('message', (message: S3rverParentMessage) => {
  if (message?.type === 'stop') void closeAndExit();
});

try {
  if (!directory) throw new Error('no directory given');
  useCredentials(process.env[CREDENTIALS_ENV_VAR]);
  s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    resetOnClose: false,
    // The SDK's SigV4 signatures are not always reproduced exactly by s3rver; the access
    // key id still has to be ours.
    allowMismatchedSignatures: true,
    vhostBuckets: false,
  });
  applyS3rverFixes(s3);
  const { port } = await s3.run();
  await send({ type: 'ready', port });
} catch (err) {
  await send({ type: 'error', message: (err as Error)?.stack ?? String(err) });
  process.exit(1);
}
