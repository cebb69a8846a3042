// sluice subscriptions create|list|describe|delete|dead-letters — triggers from topics to
// functions (API.md "Subscriptions").
//
//   sluice subscriptions create orders billing --lambda arn:aws:lambda:...:function:billing
//   sluice subscriptions create orders hook --url http://127.0.0.1:8080/hook --batch-size 10
//   sluice subscriptions create orders dev --module ./handler.ts --starting-position earliest
//   sluice subscriptions list orders              position, lag and dead letters per partition
//   sluice subscriptions dead-letters orders billing
//   sluice subscriptions delete orders billing
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { HttpClient } from '../../client/http.ts';
import { createClient, topicPath, type GlobalOptions } from '../context.ts';
import { UsageError } from '../errors.ts';
import { parseInteger } from '../parse.ts';
import { table } from '../table.ts';
import type { PartitionPosition, SubscriptionDescription } from '../../subscriptions/catalog.ts';
import type { DeadLetterRecord } from '../../subscriptions/model.ts';

// The API's response shapes, as the server defines them (types only: nothing of the
// server is loaded by the CLI).
export type SubscriptionPartition = PartitionPosition;
export type Subscription = Omit<SubscriptionDescription, 'subscriptionId' | 'topicId' | 'createdAt'>;
export type DeadLetter = Omit<DeadLetterRecord, 'subscription' | 'subscriptionId' | 'topicId'>;

interface CreateOptions {
  lambda?: string;
  url?: string;
  module?: string;
  batchSize?: number;
  batchingWindowMs?: number;
  startingPosition?: 'earliest' | 'latest';
  maxRetries?: number;
  deadLetterQueue?: string;
  json?: boolean;
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const printJson = (v: unknown) => out(JSON.stringify(v, null, 2));
const subscriptionPath = (topic: string, name = '', rest = '') =>
  topicPath(topic, `/subscriptions${name ? `/${encodeURIComponent(name)}` : ''}${rest}`);

/** The creation body from the command line; exactly one target option. */
export function createBody(name: string, opts: CreateOptions, cwd = process.cwd()): Record<string, unknown> {
  const targets = [opts.lambda, opts.url, opts.module].filter((t) => t !== undefined);
  if (targets.length !== 1) throw new UsageError('give exactly one target: --lambda ARN, --url URL or --module PATH.');
  const target =
    opts.lambda !== undefined
      ? { type: 'lambda', functionArn: opts.lambda }
      : opts.url !== undefined
        ? { type: 'http', url: opts.url }
        : { type: 'module', path: resolve(cwd, opts.module!) };
  return {
    name,
    target,
    ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
    ...(opts.batchingWindowMs !== undefined ? { maxBatchingWindowMs: opts.batchingWindowMs } : {}),
    ...(opts.startingPosition !== undefined ? { startingPosition: opts.startingPosition } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    ...(opts.deadLetterQueue !== undefined ? { deadLetter: { type: 'sqs', queueUrl: opts.deadLetterQueue } } : {}),
  };
}

export async function createSubscription(client: HttpClient, topic: string, body: Record<string, unknown>): Promise<Subscription> {
  return client.json<Subscription>({ method: 'POST', path: subscriptionPath(topic), body });
}

export async function listSubscriptions(client: HttpClient, topic: string): Promise<Subscription[]> {
  return (await client.json<{ subscriptions: Subscription[] }>({ method: 'GET', path: subscriptionPath(topic) })).subscriptions;
}

export function registerSubscriptions(program: Command): void {
  const subs = program.command('subscriptions').description('trigger functions from topics: create, list, describe, delete, dead letters');

  subs
    .command('create')
    .description('subscribe a Lambda function, an HTTP endpoint or (dev server only) a module to a topic')
    .argument('<topic>', 'topic name')
    .argument('<name>', 'subscription name (topic-name rules)')
    .option('--lambda <arn>', 'target: a Lambda function ARN')
    .option('--url <url>', 'target: an https URL (http only to localhost)')
    .option('--module <path>', 'target: a JS/TS module exporting handler (local dev server only)')
    .option('--batch-size <n>', 'records per invocation at most (1..10000, default 100)', (v) => parseInteger(v, '--batch-size', { min: 1, max: 10_000 }))
    .option('--batching-window-ms <n>', 'wait up to this long to fill a batch (0..300000, default 0)', (v) =>
      parseInteger(v, '--batching-window-ms', { min: 0, max: 300_000 }),
    )
    .addOption(new Option('--starting-position <where>', 'where to start on existing partitions (default latest)').choices(['earliest', 'latest']))
    .option('--max-retries <n>', 'retries before a batch is dead-lettered (0..10000, default 3)', (v) => parseInteger(v, '--max-retries', { min: 0, max: 10_000 }))
    .option('--dead-letter-queue <url>', 'SQS queue URL for dead letters (default: the platform queue, if any)')
    .option('--json', 'print the subscription as JSON')
    .action(async (topic: string, name: string, opts: CreateOptions, cmd: Command) => {
      const body = createBody(name, opts);
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      const created = await createSubscription(client, topic, body);
      if (opts.json) printJson(created);
      else out(`Created subscription ${name} on ${topic} (${describeTarget(created.target)}).`);
    });

  subs
    .command('list')
    .description('list the subscriptions of a topic with position, lag and dead letters per partition')
    .argument('<topic>', 'topic name')
    .option('--json', 'print the subscriptions as JSON')
    .action(async (topic: string, opts: { json?: boolean }, cmd: Command) => {
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      const list = await listSubscriptions(client, topic);
      if (opts.json) printJson({ subscriptions: list });
      else if (list.length) out(renderSubscriptions(list));
      else out(`Topic ${topic} has no subscriptions.`);
    });

  subs
    .command('describe')
    .description('show one subscription')
    .argument('<topic>', 'topic name')
    .argument('<name>', 'subscription name')
    .option('--json', 'print the subscription as JSON')
    .action(async (topic: string, name: string, opts: { json?: boolean }, cmd: Command) => {
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      const sub = await client.json<Subscription>({ method: 'GET', path: subscriptionPath(topic, name) });
      if (opts.json) printJson(sub);
      else out(renderSubscriptions([sub]));
    });

  subs
    .command('delete')
    .description('delete a subscription (delivery stops; its cursors are dropped)')
    .argument('<topic>', 'topic name')
    .argument('<name>', 'subscription name')
    .option('--json', 'print {"deleted": name} as JSON')
    .action(async (topic: string, name: string, opts: { json?: boolean }, cmd: Command) => {
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      await client.request({ method: 'DELETE', path: subscriptionPath(topic, name) });
      if (opts.json) printJson({ deleted: name });
      else out(`Deleted subscription ${name} of ${topic}.`);
    });

  subs
    .command('dead-letters')
    .description('batches that failed every retry, most recent first')
    .argument('<topic>', 'topic name')
    .argument('<name>', 'subscription name')
    .option('--limit <n>', 'at most this many (1..1000, default 100)', (v) => parseInteger(v, '--limit', { min: 1, max: 1000 }))
    .option('--json', 'print the dead letters as JSON')
    .action(async (topic: string, name: string, opts: { limit?: number; json?: boolean }, cmd: Command) => {
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      const res = await client.json<{ deadLetters: DeadLetter[] }>({
        method: 'GET',
        path: subscriptionPath(topic, name, '/dead-letters'),
        ...(opts.limit !== undefined ? { query: { limit: opts.limit } } : {}),
      });
      if (opts.json) printJson(res);
      else if (res.deadLetters.length) out(renderDeadLetters(res.deadLetters));
      else out(`Subscription ${name} of ${topic} has no dead letters.`);
    });
}

export function describeTarget(t: Subscription['target']): string {
  if (t.type === 'lambda') return `lambda ${t.functionArn}`;
  if (t.type === 'http') return `http ${t.url}`;
  return `module ${t.path}`;
}

/** One block per subscription: its settings, then position and lag per partition. */
export function renderSubscriptions(list: Subscription[]): string {
  const blocks = list.map((s) => {
    const head =
      `Subscription: ${s.name}\tTopic: ${s.topic}\tStatus: ${s.status}\tTarget: ${describeTarget(s.target)}\n` +
      `BatchSize: ${s.batchSize}\tBatchingWindowMs: ${s.maxBatchingWindowMs}\tMaxRetries: ${s.maxRetries}` +
      `\tStartingPosition: ${s.startingPosition}${s.deadLetter ? `\tDeadLetterQueue: ${s.deadLetter.queueUrl}` : ''}\n` +
      `Lag: ${s.lag}\tDelivered: ${s.delivered}\tDeadLettered: ${s.deadLettered}`;
    if (s.status === 'pending') return `${head}\n(pending: the topic does not exist yet)`;
    const rows = s.partitions.map((p) => [
      String(p.partition),
      String(p.position),
      String(p.highWatermark),
      String(p.lag),
      String(p.deadLettered),
      p.attempts ? `retrying (attempt ${p.attempts + 1}${p.lastError ? `, ${p.lastError.code}` : ''})` : '',
    ]);
    return `${head}\n\n${table(['PARTITION', 'POSITION', 'HIGH-WATERMARK', 'LAG', 'DEAD-LETTERED', 'STATE'], rows, [false, true, true, true, true, false])}`;
  });
  return blocks.join('\n\n');
}

export function renderDeadLetters(list: DeadLetter[]): string {
  const rows = list.map((d) => [
    new Date(d.failedAt).toISOString(),
    String(d.partition),
    `${d.firstOffset}..${d.lastOffset}`,
    String(d.recordCount),
    String(d.attempts),
    `${d.error.code}: ${d.error.message.length > 80 ? `${d.error.message.slice(0, 80)}…` : d.error.message}`,
  ]);
  return table(['FAILED-AT', 'PARTITION', 'OFFSETS', 'RECORDS', 'ATTEMPTS', 'ERROR'], rows, [false, true, false, true, true, false]);
}
