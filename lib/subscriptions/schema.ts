// What a subscription accepts: the one schema and the checks every way of creating one
// goes through (the API, which hands the body through, the CDK custom resource, the CLI
// via the API). Names follow Kafka's topic-name rules. Targets:
//
//   lambda  {"type":"lambda","functionArn":"arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]"}
//   http    {"type":"http","url":"https://..."}      a public host (core/egress.ts: no loopback,
//                                                    private, link-local or metadata address
//                                                    or name); outside Lambda (local
//                                                    development) loopback too, and plain
//                                                    http only to loopback
//   module  {"type":"module","path":"/abs/handler.ts"} a JS/TS module exporting `handler`,
//                                                    imported in-process: local dev server only,
//                                                    inside its allowed directories (core/modulePaths.ts)
//
// A dead-letter queue ({"type":"sqs","queueUrl"}) must be an SQS queue of the stack's
// partition and region (sqs.ts).
import * as z from 'zod/mini';
import { InvalidSubscriptionNameError, InvalidTargetError } from '../core/errors.ts';
import type { StartingPosition, SubscriptionSpec, Target } from '../core/wire.ts';
import { validate } from '../core/schema.ts';
import { validateKafkaName } from '../log/schema.ts';
import { checkModulePath } from '../core/modulePaths.ts';
import { checkEndpointUrl, isDeployed } from '../core/egress.ts';
import { parseQueueUrl, sqsEnvironment, type SqsEnvironment } from './queues.ts';

export const SUBSCRIPTION_DEFAULTS = {
  batchSize: 100,
  maxBatchingWindowMs: 0,
  startingPosition: 'latest' as StartingPosition,
  maxRetries: 3,
} as const;

export const LIMITS = {
  batchSize: { min: 1, max: 10_000 },
  maxBatchingWindowMs: { min: 0, max: 300_000 },
  maxRetries: { min: 0, max: 10_000 },
} as const;

/** Subscription names follow the topic-name rules (INVALID_SUBSCRIPTION_NAME). */
export const validateSubscriptionName = (name: unknown): string =>
  validateKafkaName(name, 'Subscription name', InvalidSubscriptionNameError);

const int = (what: keyof typeof LIMITS) =>
  z
    .number({ error: `must be an integer from ${LIMITS[what].min} to ${LIMITS[what].max}` })
    .check(
      z.int({ error: `must be an integer from ${LIMITS[what].min} to ${LIMITS[what].max}` }),
      z.minimum(LIMITS[what].min, { error: `must be an integer from ${LIMITS[what].min} to ${LIMITS[what].max}` }),
      z.maximum(LIMITS[what].max, { error: `must be an integer from ${LIMITS[what].min} to ${LIMITS[what].max}` }),
    );

const TargetSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('lambda'), functionArn: z.string() }),
    z.strictObject({ type: z.literal('http'), url: z.string() }),
    z.strictObject({ type: z.literal('module'), path: z.string() }),
  ],
  { error: 'must be {"type":"lambda","functionArn"}, {"type":"http","url"} or {"type":"module","path"}' },
);

/** The body of `POST /v1/topics/{topic}/subscriptions`. */
export const CreateSubscriptionSchema = z.strictObject({
  name: z.string(),
  target: TargetSchema,
  batchSize: z.optional(int('batchSize')),
  maxBatchingWindowMs: z.optional(int('maxBatchingWindowMs')),
  startingPosition: z.optional(z.enum(['latest', 'earliest'], { error: 'must be "latest" or "earliest"' })),
  maxRetries: z.optional(int('maxRetries')),
  deadLetter: z.optional(
    z.nullable(z.strictObject({ type: z.literal('sqs'), queueUrl: z.string() }, { error: 'must be {"type":"sqs","queueUrl"}' })),
  ),
});

export interface ValidationEnvironment {
  /**
   * Running in AWS (the deployed functions): targets must be Lambda functions or https
   * URLs. Default: inside Lambda (AWS_LAMBDA_FUNCTION_NAME is set).
   */
  deployed?: boolean;
  /** Relative module paths resolve against this directory (default: the working directory). */
  cwd?: string;
  /** Directories module targets must lie in (default: the working directory). */
  moduleDirs?: readonly string[];
  /** The stack's region and SQS endpoint, for dead-letter queue URLs (default: from the environment). */
  sqs?: SqsEnvironment;
}

/** A creation request checked and completed with defaults: name and spec. */
export function parseSubscriptionInput(
  input: unknown,
  env: ValidationEnvironment = {},
): { name: string; spec: SubscriptionSpec } {
  const body = validate(CreateSubscriptionSchema, input);
  const name = validateSubscriptionName(body.name);
  const spec: SubscriptionSpec = {
    target: validateTarget(body.target, env),
    batchSize: body.batchSize ?? SUBSCRIPTION_DEFAULTS.batchSize,
    maxBatchingWindowMs: body.maxBatchingWindowMs ?? SUBSCRIPTION_DEFAULTS.maxBatchingWindowMs,
    startingPosition: body.startingPosition ?? SUBSCRIPTION_DEFAULTS.startingPosition,
    maxRetries: body.maxRetries ?? SUBSCRIPTION_DEFAULTS.maxRetries,
    ...(body.deadLetter ? { deadLetter: { type: 'sqs', queueUrl: validateQueueUrl(body.deadLetter.queueUrl, env) } } : {}),
  };
  return { name, spec };
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,140}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

export function validateTarget(target: Target, env: ValidationEnvironment = {}): Target {
  const deployed = env.deployed ?? isDeployed();
  switch (target.type) {
    case 'lambda':
      if (!LAMBDA_ARN.test(target.functionArn)) {
        throw new InvalidTargetError(
          `'target.functionArn' must be a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]); got '${short(target.functionArn)}'.`,
          { fields: ['target.functionArn'] },
        );
      }
      return { type: 'lambda', functionArn: target.functionArn };
    case 'http':
      return { type: 'http', url: validateUrl(target.url, 'target.url', deployed) };
    case 'module': {
      if (deployed) {
        throw new InvalidTargetError('Module targets run only in the local dev server; deployed, use a Lambda function or an https URL.', {
          fields: ['target.type'],
        });
      }
      if (target.path.length === 0) throw new InvalidTargetError("'target.path' must not be empty.", { fields: ['target.path'] });
      const cwd = env.cwd ?? process.cwd();
      return { type: 'module', path: checkModulePath(target.path, { dirs: env.moduleDirs ?? [cwd], cwd }) };
    }
    case 'connector':
      // The schema above never lets one through: connectors are created at /v1/connectors.
      throw new InvalidTargetError('Sink connectors are created with POST /v1/connectors, not as subscriptions.', { fields: ['target.type'] });
  }
}

function validateUrl(raw: string, field: string, deployed: boolean): string {
  const checked = checkEndpointUrl(raw, deployed);
  if ('refused' in checked) throw new InvalidTargetError(`'${field}' ${checked.refused}.`, { fields: [field] });
  return checked.url;
}

function validateQueueUrl(raw: string, env: ValidationEnvironment): string {
  return parseQueueUrl(raw, env.sqs ?? sqsEnvironment(), 'deadLetter.queueUrl').queueUrl;
}

const short = (s: string, n = 80): string => (s.length > n ? `${s.slice(0, n)}…` : s);
