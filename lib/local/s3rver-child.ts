// s3rver in a Node child process (s3rver-process.ts), from our side: fork it, wait for
// it to listen, stop it. Used by startEmulators() (emulators.ts).
//
// The child is in our process group and ends with us: it exits when its IPC channel to
// us closes, which happens however we die. A stop signal sent to it (SIGINT, SIGTERM,
// SIGHUP: a Ctrl-C reaches the whole group) is reported to us instead of obeyed, so that
// we stop the whole stack in order and it keeps serving until we ask it to stop.
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { collectOutput, describeExit, stopGracefully, type EmulatorInterruption } from './children.ts';
import { listenAll } from './events.ts';
import type { EmulatorCredentials } from './credentials.ts';
import type { S3rverChildMessage, S3rverParentMessage } from './s3rver-process.ts';

/** Environment variable carrying the key pair the child's s3rver accepts, as JSON. */
export const CREDENTIALS_ENV_VAR = 'SLUICE_S3RVER_CREDENTIALS';

/** The child's module (TypeScript, run through tsx's loader, by absolute URL so that
 *  neither our cwd nor the parent's own loaders matter). */
const S3RVER_MODULE = fileURLToPath(new URL('./s3rver-process.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface S3rverChild {
  child: ChildProcess;
  port: number;
  /** Asks it to close and exit; SIGKILL only after a bounded wait (logged). */
  stop(): Promise<void>;
}

export interface S3rverOptions {
  quiet: boolean;
  timeoutMs: number;
  credentials: EmulatorCredentials;
  /** Called if the child exits without stop(), or reports a stop signal sent to it. */
  onInterrupted: (what: EmulatorInterruption) => void;
}

export async function startS3rver(directory: string, opts: S3rverOptions): Promise<S3rverChild> {
  const child = fork(S3RVER_MODULE, [directory], {
    execArgv: ['--import', TSX_LOADER],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // The key pair goes by environment, which only its user can read (argv is public).
    env: { ...process.env, [CREDENTIALS_ENV_VAR]: JSON.stringify(opts.credentials) },
  });
  // Until it reports ready, the child may not be listening for 'stop' yet.
  let ready = false;
  const output = collectOutput(child, 's3rver', opts.quiet);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError ??= err));

  let stopping: Promise<void> | undefined;
  child.once('exit', (code, signal) => {
    if (ready && !stopping) opts.onInterrupted(describeExit('the s3rver process', code, signal));
  });
  child.on('message', (message: S3rverChildMessage) => {
    if (message?.type === 'signal' && !stopping) opts.onInterrupted({ reason: `the s3rver process was sent ${message.signal}`, failed: false });
  });

  const stop = () =>
    (stopping ??= stopGracefully(child, 's3rver', {
      ask: () => {
        if (ready && child.connected) child.send({ type: 'stop' } satisfies S3rverParentMessage, (err) => err && child.kill('SIGKILL'));
        else child.kill('SIGKILL'); // not serving yet: nothing to lose
      },
    }));

  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const fail = (how: string) => {
        settle();
        // Let the pipes drain so the message carries the child's last words.
        setTimeout(() => reject(new Error(`s3rver ${how}. Its output:\n${output().trim() || '(none)'}`)), 50);
      };
      const timer = setTimeout(() => fail(`did not start within ${opts.timeoutMs / 1000} s`), opts.timeoutMs);
      const stopListening = listenAll(child, {
        message: (message: S3rverChildMessage) => {
          if (message?.type === 'ready') {
            ready = true;
            settle();
            resolvePort(message.port);
          } else if (message?.type === 'error') {
            fail(`could not be started: ${message.message}`);
          }
        },
        exit: () => fail(spawnError ? `could not be started (${spawnError.message})` : `exited (code ${child.exitCode ?? child.signalCode}) before it was ready`),
        error: (err: Error) => fail(`could not be started (${err.message})`),
      });
      const settle = () => {
        clearTimeout(timer);
        stopListening();
      };
    });
    return { child, port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

