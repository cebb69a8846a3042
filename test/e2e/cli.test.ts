// The `sluice` CLI end to end: a real `sluice dev` child process (emulators included) and
// real CLI invocations against it, as a user would run them. Then a restart on the same
// data directory: the data survives and no DynamoDB Local process is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prefixedStorageNames } from '../../lib/storage/definitions.ts';
import { freePort } from '../support/devProcess.ts';
import { isRunning, waitUntilGone } from '../support/processes.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'lib/cli/bin.mjs');

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

interface DevProcess {
  child: ChildProcess;
  url: string;
  /** DynamoDB Local's JVM (undefined with LocalStack). */
  javaPid?: number;
  output: () => string;
}

async function startDev(port: number, dataDir: string, kafkaPort = 0): Promise<DevProcess> {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', String(port), '--data-dir', dataDir, '--kafka-port', String(kafkaPort)], {
    cwd: ROOT,
    env: { ...process.env, SLUICE_DEBUG: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev server did not start within 90 s:\n${stdout}\n${stderr}`)), 90_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev server exited (${code}) before listening:\n${stdout}\n${stderr}`));
    });
  });
  const pid = /dynamodb-local pid (\d+)/.exec(stderr)?.[1];
  return { child, url, ...(pid ? { javaPid: Number(pid) } : {}), output: () => `${stdout}\n${stderr}` };
}

async function stopDev(dev: DevProcess): Promise<number | null> {
  if (dev.child.exitCode !== null) return dev.child.exitCode;
  // 'close', not 'exit': the output is complete only once the pipes are closed.
  const exited = new Promise<number | null>((resolve) => dev.child.once('close', (code) => resolve(code)));
  dev.child.kill('SIGTERM');
  const timeout = setTimeout(() => dev.child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timeout);
  return code;
}

function sluice(endpoint: string, args: string[], input?: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, SLUICE_ENDPOINT: endpoint },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? '');
  });
}

const lines = (b: Buffer) => b.toString('utf8').split('\n').filter((l) => l !== '');

describe('sluice CLI against `sluice dev`', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'));
  const topic = `e2e-${randomBytes(4).toString('hex')}`;
  const KEYS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];
  const N = 700;
  // key:value lines; values carry the key and a global sequence number.
  const produced = Array.from({ length: N }, (_, i) => {
    const key = KEYS[i % KEYS.length]!;
    return { key, value: `${key}-${i}` };
  });
  let dev: DevProcess;
  let port: number;
  let kafkaPort: number;
  const run = (args: string[], input?: string | Buffer) => sluice(dev.url, args, input);

  beforeAll(async () => {
    port = await freePort();
    kafkaPort = await freePort();
    dev = await startDev(port, dataDir, kafkaPort);
  });

  // A dev server that died between tests fails the next one with its own account of why.
  beforeEach(() => {
    if (dev.child.exitCode !== null || dev.child.signalCode !== null) {
      throw new Error(`sluice dev exited (${dev.child.exitCode ?? dev.child.signalCode}):\n${dev.output()}`);
    }
  });

  afterAll(async () => {
    if (dev) await stopDev(dev);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a topic with 3 partitions', async () => {
    const r = await run(['topics', 'create', topic, '--partitions', '3', '--config', 'retention.ms=86400000']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`Created topic ${topic}.\n`);
  });

  it('produces keyed lines from stdin, printing nothing', async () => {
    const input = produced.map((p) => `${p.key}:${p.value}\n`).join('');
    const r = await run(['produce', topic, '--key-separator', ':'], input);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(0);
  });

  let byPartition: Map<number, Array<{ offset: number; key: string; value: string }>>;

  it('consumes every record from the beginning, same-key records in one partition in produce order', async () => {
    const r = await run(['consume', topic, '--from-beginning', '--format', '%p/%o %k:%v\\n']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Processed a total of ${N} messages`);
    const got = lines(r.stdout).map((l) => {
      const m = /^(\d+)\/(\d+) ([^:]+):(.*)$/.exec(l);
      expect(m, l).not.toBeNull();
      return { partition: Number(m![1]), offset: Number(m![2]), key: m![3]!, value: m![4]! };
    });
    expect(got).toHaveLength(N);
    expect(new Set(got.map((g) => g.value))).toEqual(new Set(produced.map((p) => p.value)));
    expect(got.every((g) => g.value.startsWith(`${g.key}-`))).toBe(true);

    byPartition = new Map();
    for (const g of got) {
      const list = byPartition.get(g.partition) ?? [];
      list.push(g);
      byPartition.set(g.partition, list);
    }
    // Per partition: dense offsets from 0, in order.
    for (const list of byPartition.values()) expect(list.map((g) => g.offset)).toEqual(list.map((_, i) => i));
    // Per key: one partition, values in produce order.
    for (const key of KEYS) {
      const mine = got.filter((g) => g.key === key);
      expect(new Set(mine.map((g) => g.partition)).size, key).toBe(1);
      expect(mine.map((g) => g.value)).toEqual(produced.filter((p) => p.key === key).map((p) => p.value));
    }
  });

  it('serves Kafka clients on --kafka-port: kafkajs reads every record, each in the partition the CLI chose', async () => {
    expect(dev.output()).toContain(`Kafka clients: bootstrap server 127.0.0.1:${kafkaPort}`);
    const kafka = new Kafka({ clientId: 'e2e', brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `e2e-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: Array<{ partition: number; offset: number; value: string }> = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
          if (seen.length === N) resolve();
        },
      });
    });
    await consumer.disconnect();
    const viaHttp = new Map([...byPartition].flatMap(([p, list]) => list.map((g) => [`${p}/${g.offset}`, g.value] as const)));
    expect(new Map(seen.map((s) => [`${s.partition}/${s.offset}`, s.value]))).toEqual(viaHttp);
  });

  it('prints key:value with a plain format and supports --json and --max-messages', async () => {
    const plain = await run(['consume', topic, '--from-beginning', '--format', '%k:%v\\n', '--partition', String([...byPartition.keys()][0])]);
    expect(plain.code, plain.stderr).toBe(0);
    const first = [...byPartition.values()][0]!;
    expect(lines(plain.stdout)).toEqual(first.map((g) => `${g.key}:${g.value}`));

    const json = await run(['consume', topic, '--from-beginning', '--json', '--max-messages', '5', '-q']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe('');
    const envs = lines(json.stdout).map((l) => JSON.parse(l));
    expect(envs).toHaveLength(5);
    for (const e of envs) {
      expect(e).toMatchObject({ topic, key: expect.any(String), value: expect.any(String), headers: {} });
      expect(typeof e.timestamp).toBe('number');
    }
  });

  it('describes the topic with per-partition high watermarks', async () => {
    const r = await run(['topics', 'describe', topic]);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout.toString();
    expect(text).toContain(`Topic: ${topic}`);
    expect(text).toContain('PartitionCount: 3');
    expect(text).toContain('retention.ms=86400000');
    expect(text).toMatch(/PARTITION\s+LOG-START\s+HIGH-WATERMARK/);
    for (const [p, list] of byPartition) expect(text).toMatch(new RegExp(`^${p}\\s+0\\s+${list.length}\\s`, 'm'));

    const json = await run(['topics', 'describe', topic, '--json']);
    const desc = JSON.parse(json.stdout.toString()) as { partitions: Array<{ highWatermark: number }> };
    expect(desc.partitions.reduce((s, p) => s + p.highWatermark, 0)).toBe(N);
  });

  it('fails clearly for an unknown topic, and with exit 2 for usage errors', async () => {
    const consume = await run(['consume', 'no-such-topic', '--from-beginning']);
    expect(consume.code).toBe(1);
    expect(consume.stderr).toContain("error: UNKNOWN_TOPIC_OR_PARTITION: Topic 'no-such-topic' does not exist.");
    expect(consume.stdout.length).toBe(0);

    const produce = await run(['produce', 'no-such-topic'], 'hello\n');
    expect(produce.code).toBe(1);
    expect(produce.stderr).toContain("error: UNKNOWN_TOPIC_OR_PARTITION: Topic 'no-such-topic' does not exist.");

    const usage = await run(['consume', topic, '--partition', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--partition must be an integer/);
  });

  it('answers unknown routes, wrong methods and oversized bodies with JSON errors', async () => {
    const notFound = await fetch(`${dev.url}/v1/nope`);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');

    const wrongMethod = await fetch(`${dev.url}/v1/health`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');

    const big = await fetch(`${dev.url}/v1/topics/${topic}/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(6 * 1024 * 1024 + 10, 0x20),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('MESSAGE_TOO_LARGE');

    // Without a Content-Length (chunked), the cap applies while reading.
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 7; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const chunked = await fetch(`${dev.url}/v1/topics/${topic}/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);

    // The server is still fine afterwards.
    expect((await fetch(`${dev.url}/v1/health`)).status).toBe(200);
  });

  it('writes <data-dir>/aws.env, with which the AWS SDK reaches its DynamoDB and the tables Sluice keeps there', async () => {
    const path = join(dataDir, 'aws.env');
    const env = parseEnv(readFileSync(path, 'utf8'));
    const ddb = new DynamoDBClient({
      endpoint: env.AWS_ENDPOINT_URL_DYNAMODB!,
      region: env.AWS_REGION!,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    });
    try {
      expect((await ddb.send(new ListTablesCommand({}))).TableNames).toContain(prefixedStorageNames('sluice').tables.topics);
    } finally {
      ddb.destroy();
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(dev.output()).toContain(`node --env-file=${relative(ROOT, path)} ...`);
  });

  it('keeps the data across a restart and leaves no DynamoDB Local behind', async () => {
    const javaPid = dev.javaPid;
    expect(await stopDev(dev)).toBe(0);
    expect(dev.output()).toContain('Stopped.');
    if (javaPid !== undefined) expect(await waitUntilGone(javaPid, 10_000), `java ${javaPid} still running`).toBe(true);

    dev = await startDev(port, dataDir);
    if (javaPid !== undefined) {
      expect(dev.javaPid).toBeDefined();
      expect(dev.javaPid).not.toBe(javaPid);
      expect(isRunning(dev.javaPid!)).toBe(true);
    }
    const r = await run(['consume', topic, '--from-beginning', '--format', '%k:%v\\n', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const got = lines(r.stdout);
    expect(got).toHaveLength(N);
    expect(new Set(got)).toEqual(new Set(produced.map((p) => `${p.key}:${p.value}`)));

    const list = await run(['topics', 'list']);
    expect(lines(list.stdout)).toContain(topic);
  });
});
