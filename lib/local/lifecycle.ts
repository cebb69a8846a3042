// How `sluice dev` ends. Whatever stops one process of the local stack stops all of it,
// in order: the Kafka gateway and the HTTP server first (their connections, long polls
// included, are closed), then maintenance and the dispatcher, then the emulators, each
// asked to stop and given time to (children.ts). What asks:
//
//   - SIGINT, SIGTERM or SIGHUP to us (Ctrl-C, `kill`, `timeout`, a supervisor, a closed
//     terminal);
//   - the death of the process that started us: our parent, and when our parent is a
//     `sh -c` wrapper, the process that started it (npm start, npm exec and npx run us
//     under `sh -c`: a SIGTERM to npm is passed to that shell alone, which dies and
//     leaves us re-parented; a SIGHUP kills npm and leaves the shell waiting for us). We
//     watch those pids (through /proc where there is one; elsewhere our parent pid only);
//   - an emulator ending, or being sent one of those signals (Emulators.interrupted).
//
// A second SIGINT/SIGTERM/SIGHUP to us gives up waiting for in-flight work and exits at
// once; the emulators still get SIGTERM (exit hook) and the watchdog still escalates
// only after a grace period. (One Ctrl-C reaches our whole process group, s3rver's child
// included, which relays it: that counts as one, not two.)
import { readFileSync } from 'node:fs';
import { STOP_SIGNALS } from './children.ts';
import type { DevServer } from './devServer.ts';

const DEFAULT_PARENT_POLL_MS = 500;

export interface ServeOptions {
  /** One diagnostic line (stderr). */
  log(line: string): void;
  /** How often to check that our parent is still there; default 500 ms. */
  parentPollMs?: number;
}

/** Exit codes: stopped as asked, or because something broke (an emulator died, a forced stop). */
export const EXIT_STOPPED = 0;
export const EXIT_FAILED = 1;

/**
 * Serves until one of the reasons above, then stops `server`; resolves with the exit code
 * once it has stopped (or at once on a second signal).
 */
export function serveUntilStopped(server: Pick<DevServer, 'stop' | 'stack'>, opts: ServeOptions): Promise<number> {
  return new Promise<number>((done) => {
    const ancestors = watchAncestors();
    let stopping = false;
    let settled = false;
    let signals = 0;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearInterval(ancestorWatch);
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      done(code);
    };
    const stop = (reason: string, code: number) => {
      if (stopping) return;
      stopping = true;
      opts.log(`Stopping (${reason})…`);
      server
        .stop()
        .catch((err: unknown) => {
          opts.log(`error while stopping: ${(err as Error)?.message ?? String(err)}`);
          code = EXIT_FAILED;
        })
        .finally(() => {
          opts.log('Stopped.');
          finish(code);
        });
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (signal === 'SIGINT') opts.log(''); // past the ^C the terminal echoed
      if (++signals === 1) return stop(signal, EXIT_STOPPED);
      opts.log(`${signal} again: exiting without waiting; the emulators still stop in the background.`);
      finish(EXIT_FAILED);
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    const ancestorWatch = setInterval(() => {
      const gone = ancestors();
      if (gone) stop(gone, EXIT_STOPPED);
    }, opts.parentPollMs ?? DEFAULT_PARENT_POLL_MS);
    ancestorWatch.unref();
    void server.stack.emulators?.interrupted.then(({ reason, failed }) => stop(reason, failed ? EXIT_FAILED : EXIT_STOPPED));
  });
}

/*
 * /proc/<pid>/stat: "pid (comm) state ppid ... starttime ...". The command name may hold
 * spaces and parentheses, so fields are counted after the last ')': [0] state, [1] ppid,
 * [19] starttime (which tells a reused pid apart). /proc/<pid>/cmdline: NUL-separated argv.
 */
interface ProcStat {
  state: string;
  ppid: number;
  startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]), startTime: f[19]! };
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a shell running a command string (`sh -c ...`). */
function isShellWrapper(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /(^|\/)(sh|dash|bash|zsh)$/.test(argv[0] ?? '') && argv[1] === '-c';
  } catch {
    return false;
  }
}

/**
 * Records who started us (see above) and returns a check: undefined while they live,
 * else which one is gone.
 */
export function watchAncestors(): () => string | undefined {
  const parentAtStart = process.ppid;
  const watched: { pid: number; startTime: string }[] = [];
  const parent = procStat(parentAtStart);
  if (parent) {
    watched.push({ pid: parentAtStart, startTime: parent.startTime });
    const grandparent = parent.ppid > 1 && isShellWrapper(parentAtStart) ? procStat(parent.ppid) : undefined;
    if (grandparent) watched.push({ pid: parent.ppid, startTime: grandparent.startTime });
  }
  return () => {
    if (process.ppid !== parentAtStart) return `parent process ${parentAtStart} exited`;
    for (const { pid, startTime } of watched) {
      const now = procStat(pid);
      if (!now || now.state === 'Z' || now.startTime !== startTime) return `process ${pid}, which started us, exited`;
    }
    return undefined;
  };
}
