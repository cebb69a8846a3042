import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStorage } from '../../../lib/local/bootstrap.ts';
import { assertJava, parseJavaMajorVersion, startEmulators } from '../../../lib/local/emulators.ts';
import { emulatorEndpoints, localStorageConfig } from '../../../lib/local/stack.ts';
import { createStorageClients, destroyStorageClients } from '../../../lib/storage/clients.ts';
import { expectProcessGone, isRunning, waitUntilGone } from '../../support/processes.ts';

describe('Java check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-java-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the Java on PATH', () => {
    expect(assertJava()).toBeGreaterThanOrEqual(17);
  });

  it('explains what to do when there is no java on PATH', () => {
    expect(() => assertJava({ env: { PATH: dir } })).toThrow(
      /DynamoDB Local needs Java 17 or newer on PATH \(found no `java` command\).*openjdk-17-jre-headless.*AWS_ENDPOINT_URL/,
    );
  });

  it('rejects an old Java, naming the version it found', async () => {
    const fake = join(dir, 'java');
    await writeFile(fake, '#!/bin/sh\necho \'java version "1.8.0_292"\' >&2\n');
    await chmod(fake, 0o755);
    expect(() => assertJava({ env: { PATH: dir } })).toThrow(/Java 17 or newer on PATH \(found Java 8: java version "1.8.0_292"\)/);
  });

  it('parses version strings', () => {
    expect(parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajorVersion('java version "21" 2023-09-19 LTS')).toBe(21);
    expect(parseJavaMajorVersion('java version "1.8.0_292"')).toBe(8);
    expect(parseJavaMajorVersion('openjdk version "11.0.2" 2019-01-15')).toBe(11);
    expect(parseJavaMajorVersion('nonsense')).toBeUndefined();
  });
});

describe('emulators with a data directory', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-data-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keep tables, items and objects across a restart, and leave no Java process behind', { timeout: 120_000 }, async () => {
    const first = await startEmulators({ dataDir, quiet: true });
    let pid = first.pid;
    const config = localStorageConfig(emulatorEndpoints(first), 'persist');
    try {
      expect(new URL(first.endpoints.s3).hostname).toBe('127.0.0.1');
      expect(new URL(first.endpoints.dynamodb).hostname).toBe('127.0.0.1');
      expect(first.s3Directory).toBe(join(dataDir, 's3'));
      const clients = createStorageClients(config);
      try {
        await ensureStorage(clients);
        await clients.ddb.send(
          new PutItemCommand({ TableName: config.names.tables.topics, Item: { name: { S: 'orders' }, topicId: { S: 'abc' } } }),
        );
        await clients.s3.send(new PutObjectCommand({ Bucket: config.names.bucket, Key: 'segments/abc/0/x', Body: 'hello' }));
      } finally {
        destroyStorageClients(clients);
      }
    } finally {
      await first.stop();
    }
    expectProcessGone(pid);
    await first.stop(); // a second stop is harmless
    expect((await stat(join(dataDir, 'dynamodb'))).isDirectory()).toBe(true);

    const second = await startEmulators({ dataDir, quiet: true });
    pid = second.pid;
    try {
      const clients = createStorageClients(localStorageConfig(emulatorEndpoints(second), 'persist'));
      try {
        await ensureStorage(clients); // everything exists already
        const item = await clients.ddb.send(
          new GetItemCommand({ TableName: config.names.tables.topics, Key: { name: { S: 'orders' } }, ConsistentRead: true }),
        );
        expect(item.Item?.topicId?.S).toBe('abc');
        const obj = await clients.s3.send(new GetObjectCommand({ Bucket: config.names.bucket, Key: 'segments/abc/0/x' }));
        expect(await obj.Body?.transformToString()).toBe('hello');
      } finally {
        destroyStorageClients(clients);
      }
    } finally {
      await second.stop();
    }
    expectProcessGone(pid);
  });
});

describe('the data directory\'s key pair (DynamoDB Local listens on every interface)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-key-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  it('keeps the data invisible under any other access key id, and the key private', { timeout: 120_000 }, async () => {
    const emulators = await startEmulators({ dataDir, quiet: true });
    const mine = localStorageConfig(emulatorEndpoints(emulators), 'private');
    const clients = createStorageClients(mine);
    const stranger = createStorageClients({ ...mine, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } });
    try {
      await ensureStorage(clients);
      await clients.ddb.send(new PutItemCommand({ TableName: mine.names.tables.topics, Item: { name: { S: 'orders' }, topicId: { S: 'abc' } } }));

      expect((await stranger.ddb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      await expect(
        stranger.ddb.send(new GetItemCommand({ TableName: mine.names.tables.topics, Key: { name: { S: 'orders' } } })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

      const stored = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8'));
      expect(stored).toEqual(emulators.credentials);
      expect(emulators.credentials.accessKeyId).toMatch(/^SLUICE[0-9A-F]{32}$/);
      expect(await mode(join(dataDir, 'credentials.json'))).toBe(0o600);
      // The database file is named after the key id: its directory is private too.
      expect(await readdir(join(dataDir, 'dynamodb'))).toContain(`${emulators.credentials.accessKeyId}_us-east-1.db`);
      expect(await mode(join(dataDir, 'dynamodb'))).toBe(0o700);
      expect(await mode(join(dataDir, 's3'))).toBe(0o700);
      // One database per key id (no -sharedDb), and no telemetry.
      const argv = (await readFile(`/proc/${emulators.pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
      if (argv.length > 1) {
        expect(argv).toContain('-disableTelemetry');
        expect(argv).not.toContain('-sharedDb');
      }
    } finally {
      destroyStorageClients(clients);
      destroyStorageClients(stranger);
      await emulators.stop();
    }
  });

  it('moves a database written under -sharedDb to the key id, so its tables stay visible', { timeout: 120_000 }, async () => {
    // What a data directory from before per-key databases looks like: the shared file, no key.
    const { accessKeyId } = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8'));
    await rename(join(dataDir, 'dynamodb', `${accessKeyId}_us-east-1.db`), join(dataDir, 'dynamodb', 'shared-local-instance.db'));
    await rm(join(dataDir, 'credentials.json'));

    const emulators = await startEmulators({ dataDir, quiet: true });
    const clients = createStorageClients(localStorageConfig(emulatorEndpoints(emulators), 'private'));
    try {
      expect(emulators.credentials.accessKeyId).not.toBe(accessKeyId);
      const item = await clients.ddb.send(
        new GetItemCommand({ TableName: clients.names.tables.topics, Key: { name: { S: 'orders' } }, ConsistentRead: true }),
      );
      expect(item.Item?.topicId?.S).toBe('abc');
      expect(await readdir(join(dataDir, 'dynamodb'))).not.toContain('shared-local-instance.db');
    } finally {
      destroyStorageClients(clients);
      await emulators.stop();
    }
  });
});

describe.concurrent('the emulators do not outlive their Node process', () => {
  const fixture = new URL('./fixtures/emulator-child.ts', import.meta.url).pathname;

  /** Starts the fixture; returns the child, and the JVM and s3rver pids it reports. */
  async function startChild(mode: 'exit' | 'wait') {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
      cwd: new URL('../../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout });
    const [line] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(() => {
        throw new Error(`fixture exited early: ${stderr}`);
      }),
    ])) as [string];
    const { pid, s3rver } = JSON.parse(line) as { pid: number; s3rver: number[] | null };
    // null: no /proc to find the s3rver child with.
    if (s3rver) expect(s3rver).toHaveLength(1);
    return { child, pid, s3rver: s3rver ?? [] };
  }

  it('when the process exits without stop()', { timeout: 120_000 }, async () => {
    const { child, pid, s3rver } = await startChild('exit');
    await once(child, 'exit');
    expect(await waitUntilGone(pid)).toBe(true);
    for (const p of s3rver) expect(await waitUntilGone(p)).toBe(true);
  });

  it('when the process is killed with SIGKILL', { timeout: 120_000 }, async () => {
    const { child, pid, s3rver } = await startChild('wait');
    expect(isRunning(pid)).toBe(true);
    for (const p of s3rver) expect(isRunning(p)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await waitUntilGone(pid)).toBe(true);
    for (const p of s3rver) expect(await waitUntilGone(p)).toBe(true);
  });
});
