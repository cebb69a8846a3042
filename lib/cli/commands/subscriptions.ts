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
import type { CreateSubscriptionRequest, DeadLetterRecord, SubscriptionDescription } from '../../client/types.ts';
import { createSluice, type GlobalOptions } from '../context.ts';
import { UsageError } from '../errors.ts';
import { parseInteger } from '../parse.ts';
import { out, printJson } from '../print.ts';
import { table } from '../table.ts';

/** What the listing shows of a subscription, and of a dead letter. */
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

const subscriptions = (cmd: Command) => createSluice(cmd.optsWithGlobals<GlobalOptions>()).subscriptions();

/** The creation request from the command line; exactly one target option. */
export function createBody(name: string, opts: CreateOptions, cwd = process.cwd()): CreateSubscriptionRequest {
  const targets = [opts.lambda, opts.url, opts.module].filter((t) => t !== undefined);
  if (targets.length !== 1) throw new UsageError('give exactly one target: --lambda ARN, --url URL or --module PATH.');
  const target: CreateSubscriptionRequest['target'] =
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
      const created = await subscriptions(cmd).create(topic, createBody(name, opts));
      if (opts.json) printJson(created);
      else out(`Created subscription ${name} on ${topic} (${describeTarget(created.target)}).`);
    });

  subs
    .command('list')
    .description('list the subscriptions of a topic with position, lag and dead letters per partition')
    .argument('<topic>', 'topic name')
    .option('--json', 'print the subscriptions as JSON')
    .action(async (topic: string, opts: { json?: boolean }, cmd: Command) => {
      const list = await subscriptions(cmd).list(topic);
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
      const sub = await subscriptions(cmd).get(topic, name);
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
      await subscriptions(cmd).delete(topic, name);
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
      const deadLetters = await subscriptions(cmd).deadLetters(topic, name, opts.limit !== undefined ? { limit: opts.limit } : {});
      if (opts.json) printJson({ deadLetters });
      else if (deadLetters.length) out(renderDeadLetters(deadLetters));
      else out(`Subscription ${name} of ${topic} has no dead letters.`);
    });
}

export function describeTarget(t: Subscription['target']): string {
  if (t.type === 'lambda') return `lambda ${t.functionArn}`;
  if (t.type === 'http') return `http ${t.url}`;
  if (t.type === 'connector') return `connector ${t.connector}`;
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
