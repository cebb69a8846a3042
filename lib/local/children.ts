// The emulators' child processes, from our side: waiting for an exit, stopping one
// gracefully, and the watchdog that stops DynamoDB Local when we die.
//
// An emulator may hold work it has already answered for, so it is never killed outright:
// stopGracefully() asks first (SIGTERM, or a message), waits a bounded time, and only
// then sends SIGKILL, saying so on stderr. The watchdog applies the same rule when we are
// gone and nobody else can.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { constants } from 'node:os';

const osSignals = constants.signals as Record<string, number>;

/** An emulator that ended, or was asked to stop, without us asking it to. */
export interface EmulatorInterruption {
  reason: string;
  /** True when it is gone for another reason than a stop signal (a crash, a SIGKILL). */
  failed: boolean;
}

/** The signals that ask a process of the local stack to stop. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * How a child's exit reads: by a stop signal (directly, or as the JVM reports it, exit
 * code 128 + the signal's number) or otherwise.
 */
export function describeExit(name: string, code: number | null, signal: NodeJS.Signals | null): EmulatorInterruption {
  const byCode = code !== null && code > 128 ? STOP_SIGNALS.find((s) => osSignals[s] === code - 128) : undefined;
  const stopSignal = signal && (STOP_SIGNALS as readonly string[]).includes(signal) ? signal : byCode;
  if (stopSignal) return { reason: `${name} was sent ${stopSignal}`, failed: false };
  return { reason: `${name} exited (${signal ?? `code ${code}`})`, failed: true };
}

/** How long an emulator gets to exit after being asked to, before SIGKILL. */
export const STOP_GRACE_MS = 10_000;

export const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** Resolves true once `child` has exited, or false after `ms`. */
export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
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

const OUTPUT_TAIL_CHARS = 8_000;

/**
 * Keeps the last few KB of a child's stdout and stderr (for the message if it fails to
 * start) and, unless `quiet`, forwards them to our stderr, each line prefixed with
 * `[name]`. Returns what was kept.
 */
export function collectOutput(child: ChildProcess, name: string, quiet: boolean): () => string {
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-OUTPUT_TAIL_CHARS);
    if (!quiet) process.stderr.write(text.replace(/^(?=.)/gm, `[${name}] `));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => output;
}

/** Writes one diagnostic line to stderr; a closed stderr (terminal gone) is not an error. */
export function warn(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // nowhere to say it
  }
}

/**
 * Asks `child` to stop (`ask`, by default SIGTERM), waits up to `graceMs` for it to exit,
 * and only then kills it with SIGKILL, logging that it had to.
 */
export async function stopGracefully(
  child: ChildProcess,
  name: string,
  opts: { ask?: () => void; graceMs?: number } = {},
): Promise<void> {
  if (!isRunning(child)) return;
  const graceMs = opts.graceMs ?? STOP_GRACE_MS;
  (opts.ask ?? (() => child.kill('SIGTERM')))();
  if (await waitForExit(child, graceMs)) return;
  warn(`[sluice] ${name} (pid ${child.pid}) did not exit within ${graceMs / 1000} s of being asked to stop; sent SIGKILL.`);
  child.kill('SIGKILL');
  await waitForExit(child, graceMs);
}

/*
 * The watchdog: a `sh` in its own process group (so a signal to our group, or a kill -9
 * of it, does not reach it), reading a pipe from us.
 *   - a line on the pipe: we released it (the emulator has exited); it exits.
 *   - end of file: we died, however (SIGKILL included). It sends the emulator SIGTERM,
 *     waits up to the grace period, and escalates to SIGKILL only then, saying so.
 * A zombie (dead, not yet reaped) counts as gone.
 *   $1 pid   $2 grace in tenths of a second   $3 name for the message
 */
const WATCHDOG_SCRIPT = `
if read _released; then exit 0; fi
alive() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }
alive "$1" || exit 0
kill -TERM "$1" 2>/dev/null
n=0
while alive "$1"; do
  if [ "$n" -ge "$2" ]; then
    kill -KILL "$1" 2>/dev/null
    echo "[sluice] $3 (pid $1) did not exit within $(($2 / 10)).$(($2 % 10)) s of SIGTERM after its parent died; sent SIGKILL." >&2
    exit 0
  fi
  sleep 0.1
  n=$((n + 1))
done
`;

export interface Watchdog {
  child: ChildProcess;
  /** Tells the watchdog the emulator is gone (or stopped by us): it exits quietly. */
  release(): void;
  /** True once release() was called. */
  readonly released: boolean;
}

/** Starts the watchdog for `pid`; undefined where there is no `sh` (Windows). */
export function spawnWatchdog(pid: number, name: string, graceMs: number = STOP_GRACE_MS): Watchdog | undefined {
  if (process.platform === 'win32') return undefined;
  let child: ChildProcess;
  try {
    child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'sluice-watchdog', String(pid), String(Math.ceil(graceMs / 100)), name], {
      stdio: ['pipe', 'ignore', 'inherit'],
      detached: true,
    });
  } catch {
    return undefined;
  }
  child.on('error', () => {});
  child.stdin?.on('error', () => {});
  // Neither the watchdog nor its pipe may keep our event loop alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let released = false;
  return {
    child,
    release() {
      if (released) return;
      released = true;
      if (isRunning(child)) child.stdin?.end('released\n');
    },
    get released() {
      return released;
    },
  };
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
