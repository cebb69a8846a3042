// Stopping `sluice dev` stops all of it (lib/local/lifecycle.ts): a SIGINT, SIGTERM or
// SIGHUP to any of its processes, or the death of the wrapper that started it, ends
// the node process, s3rver's child, DynamoDB Local's JVM and the watchdog within a few
// seconds, gracefully, and frees its ports (the API's and the Kafka gateway's). Each case starts the stack the way users
// do (`npm start`, `npm exec sluice dev`, or node directly) and sends one signal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, parentOf, portInUse, running, startDev, type DevProcess, type Launcher } from '../support/devProcess.ts';
import { waitUntilGone } from '../support/processes.ts';

const dirs: string[] = [];
const started: DevProcess[] = [];
afterAll(() => {
  // A failed case must not leave its stack behind.
  for (const dev of started) for (const pid of running(Object.values(dev.pids))) process.kill(pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function launch(launcher: Launcher, opts: { detached?: boolean } = {}): Promise<DevProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-life-'));
  dirs.push(dir);
  const dev = await startDev(launcher, await freePort(), dir, { ...opts, kafkaPort: await freePort() });
  started.push(dev);
  return dev;
}

/** Every process of the stack is gone within a few seconds, the ports are free, and it said it stopped. */
async function expectStopped(dev: DevProcess): Promise<void> {
  for (const [name, pid] of Object.entries(dev.pids)) {
    expect(await waitUntilGone(pid, 8_000), `${name} (pid ${pid}) still running:\n${dev.output()}`).toBe(true);
  }
  expect(await portInUse(dev.port)).toBe(false);
  expect(await portInUse(dev.kafkaPort)).toBe(false);
  // The processes are gone; what they wrote last may still be in the pipe.
  await Promise.race([dev.closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  expect(dev.output()).toContain('Stopped.');
  expect(dev.output()).not.toContain('sent SIGKILL');
}

describe.concurrent('stopping sluice dev', { timeout: 180_000 }, () => {
  it('SIGTERM to the `npm exec` wrapper (what timeout, IDEs and supervisors send)', async () => {
    const dev = await launch('npm exec');
    dev.child.kill('SIGTERM');
    await expectStopped(dev);
  });

  it('SIGHUP to the `npm start` wrapper, which dies and leaves its shell waiting', async () => {
    const dev = await launch('npm start');
    expect(parentOf(parentOf(dev.pids.node))).toBe(dev.child.pid);
    dev.child.kill('SIGHUP');
    await expectStopped(dev);
  });

  it('SIGINT to the whole process group (Ctrl-C in the terminal)', async () => {
    const dev = await launch('npm start', { detached: true });
    process.kill(-dev.child.pid!, 'SIGINT');
    await expectStopped(dev);
  });

  it('SIGHUP to the node process (the terminal closed)', async () => {
    const dev = await launch('node');
    process.kill(dev.pids.node, 'SIGHUP');
    await expectStopped(dev);
    expect(await dev.exited).toBe(0);
  });

  it('SIGTERM to DynamoDB Local', async () => {
    const dev = await launch('node');
    process.kill(dev.pids.java, 'SIGTERM');
    await expectStopped(dev);
    expect(dev.output()).toContain('DynamoDB Local was sent SIGTERM');
  });

  it("SIGINT to s3rver's process", async () => {
    const dev = await launch('node');
    process.kill(dev.pids.s3rver, 'SIGINT');
    await expectStopped(dev);
    expect(dev.output()).toContain('the s3rver process was sent SIGINT');
  });

  it('SIGTERM to the watchdog', async () => {
    const dev = await launch('node');
    process.kill(dev.pids.watchdog, 'SIGTERM');
    await expectStopped(dev);
  });
});
