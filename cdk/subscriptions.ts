// Subscriptions: the dispatcher function reads the partitions table's stream through an
// event source mapping, sends dead letters to the platform's queue, and invokes exactly
// the functions it is allowed to: `addSubscription(topic, fn, opts)` subscribes a Lambda
// function at deploy time (a custom resource served by the subscriptions function, with
// the API's own code) and grants the dispatcher lambda:InvokeFunction on that function
// alone.
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../lib/api/routes.ts';
import { DEAD_LETTER_QUEUE_ENV_VAR, type SubscriptionSpec } from '../lib/subscriptions/model.ts';
import { validateSubscriptionName } from '../lib/subscriptions/schema.ts';
import { ACTIONS } from './access.ts';
import { acknowledge, flattenForFinding } from './findings.ts';
import type { PlatformFunctions } from './functions.ts';
import { pascal } from './ids.ts';
import type { PlatformSettings } from './props.ts';
import type { PlatformStorage } from './storage.ts';

/** `platform.addSubscription` options; the defaults are the API's. */
export interface SubscriptionOptions {
  /**
   * Subscription name (topic-name rules).
   * @default the function's construct id
   */
  readonly name?: string;
  /**
   * Records per invocation at most, 1..10000.
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * How long a short batch may wait for more records, up to 5 minutes.
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Where a new subscription starts on an existing topic.
   * @default 'latest'
   */
  readonly startingPosition?: 'latest' | 'earliest';
  /**
   * Retries of a failed batch before it is dead-lettered, 0..10000.
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * Dead-letter queue.
   * @default the platform's `deadLetterQueue`
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

export class PlatformSubscriptions {
  /**
   * Dead letters of subscriptions without their own queue (batches that failed
   * maxRetries + 1 times): SQS-managed encryption, TLS-only, 14 days retention.
   */
  readonly deadLetterQueue: sqs.Queue;
  private readonly dispatchTargets = new Set<string>();
  private readonly dispatchQueues = new Set<string>();

  constructor(
    private readonly scope: Construct,
    settings: PlatformSettings,
    storage: PlatformStorage,
    private readonly functions: PlatformFunctions,
  ) {
    this.deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: settings.removalPolicy,
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter destination of subscriptions (batches the dispatcher gave up on after maxRetries); a dead-letter queue behind it would only receive the same messages again.',
    );
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      if (FUNCTIONS[name].trigger === 'partitions-stream') this.wirePartitionsStream(name, storage);
    }
  }

  private get dispatcher(): lambda.Function {
    return this.functions.functions.dispatcher;
  }

  /** See StreamingPlatform.addSubscription. */
  addSubscription(topic: string, fn: lambda.IFunction, opts: SubscriptionOptions = {}): CustomResource {
    const name = opts.name ?? fn.node.id.replace(/[^a-zA-Z0-9._-]/g, '-');
    for (const [what, value] of [['topic', topic], ['subscription name', name]] as const) {
      try {
        validateSubscriptionName(value);
      } catch (err) {
        throw new Error(`StreamingPlatform.addSubscription: invalid ${what} '${value}': ${(err as Error).message}`);
      }
    }
    const spec = subscriptionSpec(fn, opts);
    this.allowDispatchTo(fn);
    if (opts.deadLetterQueue) this.allowDeadLettersTo(opts.deadLetterQueue);
    const resource = new CustomResource(this.scope, `Subscription-${topic}-${name}`, {
      serviceToken: this.functions.functions.subscriptions.functionArn,
      resourceType: 'Custom::SluiceSubscription',
      properties: { Topic: topic, Name: name, Spec: Stack.of(this.scope).toJsonString(spec) },
    });
    // The dispatcher may invoke the function before anyone produces.
    resource.node.addDependency(this.dispatcher);
    return resource;
  }

  /** See StreamingPlatform.allowDispatchTo. */
  allowDispatchTo(fn: lambda.IFunction): void {
    const id = JSON.stringify(Stack.of(this.scope).resolve(fn.functionArn));
    if (this.dispatchTargets.has(id)) return;
    this.dispatchTargets.add(id);
    this.dispatcher.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.lambdaInvoke], resources: [fn.functionArn] }));
  }

  /** See StreamingPlatform.allowDeadLettersTo. */
  allowDeadLettersTo(queue: sqs.IQueue): void {
    const id = JSON.stringify(Stack.of(this.scope).resolve(queue.queueArn));
    if (this.dispatchQueues.has(id)) return;
    this.dispatchQueues.add(id);
    this.dispatcher.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.sqsSend], resources: [queue.queueArn] }));
    queue.encryptionMasterKey?.grant(this.dispatcher, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /**
   * The event source mapping from the partitions table's stream to a function, the
   * permissions it needs to read that stream, and the platform's dead-letter queue.
   * Parallelization 1: one batch per shard at a time. Per-partition order does not rely
   * on it (the dispatcher's lease serializes each partition), but it keeps the stream
   * reader simple; a failed record is retried (split in halves) a few times and then left
   * to the dispatcher's one-minute sweep, which catches up every lagging partition.
   */
  private wirePartitionsStream(name: FunctionName, storage: PlatformStorage): void {
    const fn = this.functions.functions[name];
    const role = this.functions.roles[name];
    const table = storage.tables.partitions;
    const streams = `${table.tableArn}/stream/*`;
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadPartitionsStream', actions: [...ACTIONS.dynamodbStream], resources: [streams] }));
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${flattenForFinding(role, streams)}]`,
      'The stream ARN of the partitions table ends in a label DynamoDB assigns at deploy time, so reading the stream is granted on this one table\'s streams (table/NAME/stream/*), as AWS documents for Lambda stream triggers; the actions are the four read actions only.',
    );
    const mapping = new lambda.EventSourceMapping(this.scope, `${pascal(name)}PartitionsStream`, {
      target: fn,
      eventSourceArn: table.tableStreamArn!,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 100,
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      retryAttempts: 3,
      maxRecordAge: Duration.hours(1),
      reportBatchItemFailures: true,
      // Only head changes that can move nextOffset; removals (topic purges) never do.
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or('INSERT', 'MODIFY') })],
    });
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) mapping.node.addDependency(policy);
    fn.addEnvironment(DEAD_LETTER_QUEUE_ENV_VAR, this.deadLetterQueue.queueUrl);
    this.allowDeadLettersTo(this.deadLetterQueue);
  }
}

/** The creation body of the API for a Lambda target, with the API's defaults; checked at synth time. */
function subscriptionSpec(fn: lambda.IFunction, opts: SubscriptionOptions): Omit<SubscriptionSpec, 'startingPosition'> & { startingPosition: string } {
  const windowMs = opts.maxBatchingWindow?.toMilliseconds() ?? 0;
  const spec = {
    target: { type: 'lambda' as const, functionArn: fn.functionArn },
    batchSize: opts.batchSize ?? 100,
    maxBatchingWindowMs: windowMs,
    startingPosition: opts.startingPosition ?? 'latest',
    maxRetries: opts.maxRetries ?? 3,
    ...(opts.deadLetterQueue ? { deadLetter: { type: 'sqs' as const, queueUrl: opts.deadLetterQueue.queueUrl } } : {}),
  };
  const checks: [string, number, number, number][] = [
    ['batchSize', spec.batchSize, 1, 10_000],
    ['maxBatchingWindow (ms)', windowMs, 0, 300_000],
    ['maxRetries', spec.maxRetries, 0, 10_000],
  ];
  for (const [what, v, min, max] of checks) {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new Error(`StreamingPlatform.addSubscription: ${what} must be an integer from ${min} to ${max}, got ${v}`);
    }
  }
  return spec;
}
