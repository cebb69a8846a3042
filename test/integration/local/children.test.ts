// How the local stack stops its emulators (lib/local/children.ts): asked first, killed
// only after a grace period and with a word on stderr; and the watchdog that does the
// same when the process that started them dies, however it dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stopGracefully } from '../../../lib/local/children.ts';
import { isRunning, waitUntilGone } from '../../support/processes.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;
const FIXTURE = new URL('./fixtures/watchdog-parent.ts', import.meta.url).pathname;

/** A Node process standing in for an emulator: it reports a SIGTERM on stdout, and exits on it unless told to ignore it. */
function target(onTerm: 'exit' | 'ignore'): ChildProcess {
  const code = `process.on('SIGTERM', () => { process.stdout.write('TERM\\n'); ${onTerm === 'exit' ? 'process.exit(0);' : ''} });
    process.stdout.write('ready\\n'); setInterval(() => {}, 60000);`;
  return spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return line;
}

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  vi.restoreAllMocks();
});

describe('stopGracefully', () => {
  it('sends SIGTERM and, when that is enough, nothing else', async () => {
    const child = target('exit');
    started.push(child);
    await firstLine(child);
    const warn = vi.spyOn(process.stderr, 'write');
    await stopGracefully(child, 'the target', { graceMs: 5_000 });
    expect(child.exitCode).toBe(0); // its own SIGTERM handler, not a SIGKILL
    expect(warn).not.toHaveBeenCalled();
  });

  it('escalates to SIGKILL only after the grace period, and says so', async () => {
    const child = target('ignore');
    started.push(child);
    await firstLine(child);
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await stopGracefully(child, 'the target', { graceMs: 300 });
    expect(child.signalCode).toBe('SIGKILL');
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/the target \(pid \d+\) did not exit within 0.3 s of being asked to stop; sent SIGKILL/);
  });
});

describe('the watchdog', () => {
  /** Starts `victim` and a fixture process that watches it; returns the fixture and the watchdog's pid. */
  async function watched(victim: ChildProcess, mode: 'wait' | 'release', graceMs: number) {
    started.push(victim);
    await firstLine(victim);
    const parent = spawn(process.execPath, ['--import', 'tsx', FIXTURE, String(victim.pid), String(graceMs), mode], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(parent);
    let stderr = '';
    parent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const { watchdog } = JSON.parse(await firstLine(parent)) as { watchdog: number };
    return { parent, watchdog, stderr: () => stderr };
  }

  it('sends SIGTERM (not SIGKILL) to the emulator when its parent is killed with SIGKILL', async () => {
    const victim = target('exit');
    const { parent, watchdog } = await watched(victim, 'wait', 10_000);
    const said = firstLine(victim);
    const exited = once(victim, 'exit') as Promise<[number | null, string | null]>;
    parent.kill('SIGKILL');
    expect(await said).toBe('TERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(await waitUntilGone(watchdog)).toBe(true);
  });

  it('escalates to SIGKILL after the grace period if SIGTERM is not enough, and says so', async () => {
    const victim = target('ignore');
    const { parent, watchdog, stderr } = await watched(victim, 'wait', 300);
    const exited = once(victim, 'exit') as Promise<[number | null, string | null]>;
    // The watchdog writes to the stderr it inherited from the fixture: closed once it is gone.
    const stderrClosed = once(parent.stderr!, 'close');
    parent.kill('SIGKILL');
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
    expect(await waitUntilGone(watchdog)).toBe(true);
    await stderrClosed;
    expect(stderr()).toMatch(/the target \(pid \d+\) did not exit within 0\.3 s of SIGTERM after its parent died; sent SIGKILL/);
  });

  it('leaves the emulator alone once released', async () => {
    const victim = target('exit');
    const { parent, watchdog } = await watched(victim, 'release', 300);
    expect(await waitUntilGone(watchdog)).toBe(true);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    expect(isRunning(victim.pid!)).toBe(true);
  });
});
