// Processors at deploy time: `addProcessor(name, { entry, inputs })` bundles the user's
// topology module (entry: it exports `config` and its topology, lib/streams/runtime/
// module.ts) into a Lambda of its own (functions/processor.ts, the module aliased to
// 'sluice-topology'), which
//   - the dispatcher drives like a subscription: one subscription per input topic
//     (`processor-{name}`, from the earliest offset) rings it when a head moves;
//   - an EventBridge rule wakes every `tick` (default one minute), so windows close and
//     wall-clock punctuators run while the inputs are quiet.
// Either way it runs one pass of every task from the committed positions (lib/runtime/
// processor.ts); a wake-up lost or doubled changes nothing but latency.
//
// Least privilege, per processor role:
//   logs                 its own log group
//   topics, partitions,  what appending (one transaction per batch) and creating its
//   segments, producers  internal topics need: topic ids are random, so these cannot be
//                        narrowed to its topics by an IAM condition
//   segment objects      read and write under segments/ (keys hold topic ids, as above)
//   processors table     only the items of this processor: dynamodb:LeadingKeys
//                        'processor' (definitions) and 'tasks#{name}' (its tasks)
//   state table          read and write; its keys are binary (length-prefixed bytes),
//                        which dynamodb:LeadingKeys cannot match, so not narrowed
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import type { FunctionDefinition } from '../lib/api/routes.ts';
import { PROCESSOR_NAME_ENV_VAR } from '../lib/streams/runtime/module.ts';
import { validateProcessorName } from '../lib/streams/schema.ts';
import type { StorageAccess } from './access.ts';
import type { PlatformFunctions } from './functions.ts';
import { pascal } from './ids.ts';
import type { PlatformSettings } from './props.ts';
import type { PlatformStorage } from './storage.ts';
import type { PlatformSubscriptions } from './subscriptions.ts';

/** `platform.addProcessor` options. */
export interface ProcessorOptions {
  /** The topology module (absolute, or relative to the project root). */
  readonly entry: string;
  /** The topics the topology reads (its subscriptions ring the processor when they move). */
  readonly inputs: readonly string[];
  /** @default 1024 */
  readonly memoryMb?: number;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /**
   * How often the processor is woken with no new input (idle windows, wall-clock
   * punctuators); false: only when its inputs move.
   * @default Duration.minutes(1)
   */
  readonly tick?: Duration | false;
}

/** Storage a processor needs besides its own items (see the header). */
const PROCESSOR_ACCESS: StorageAccess = {
  tables: { topics: 'write', partitions: 'write', segments: 'write', producers: 'write', state: 'write' },
  bucket: 'write',
};

export class PlatformProcessors {
  readonly functions: Record<string, NodejsFunction> = {};

  constructor(
    private readonly scope: Construct,
    private readonly platformFunctions: PlatformFunctions,
    private readonly settings: PlatformSettings,
    private readonly storage: PlatformStorage,
    private readonly subscriptions: PlatformSubscriptions,
  ) {}

  /** See StreamingPlatform.addProcessor. */
  addProcessor(name: string, opts: ProcessorOptions): NodejsFunction {
    try {
      validateProcessorName(name);
    } catch (err) {
      throw new Error(`StreamingPlatform.addProcessor: invalid processor name '${name}': ${(err as Error).message}`);
    }
    if (this.functions[name]) throw new Error(`StreamingPlatform.addProcessor: processor '${name}' is already added.`);
    if (opts.inputs.length === 0) throw new Error(`StreamingPlatform.addProcessor(${name}): name its input topics ('inputs').`);
    const id = `Processor${pascal(name.replace(/[^a-zA-Z0-9]/g, '-'))}`;
    // Built as the platform's own functions are (its log group, storage grants, bundling),
    // with the topology module bundled in as 'sluice-topology'.
    const def: FunctionDefinition = {
      description: `Sluice stream processor ${name}`,
      entry: 'functions/processor.ts',
      memoryMb: opts.memoryMb ?? 1024,
      timeoutSeconds: (opts.timeout ?? Duration.minutes(5)).toSeconds(),
      ...PROCESSOR_ACCESS,
    };
    const fn = this.platformFunctions.addFunction(id, `processor ${name}`, def, {
      aliases: { 'sluice-topology': path.resolve(this.settings.projectRoot, opts.entry) },
      environment: { [PROCESSOR_NAME_ENV_VAR]: name },
    });
    fn.role!.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnProcessorItems',
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:UpdateItem'],
        resources: [this.storage.tables.processors.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['processor', `tasks#${name}`] } },
      }),
    );
    for (const topic of opts.inputs) this.subscriptions.addSubscription(topic, fn, { name: `processor-${name}`, startingPosition: 'earliest', batchSize: 10_000 });
    if (opts.tick !== false) {
      new events.Rule(this.scope, `${id}Tick`, {
        description: `Wakes the Sluice processor ${name} (idle windows, wall-clock punctuators)`,
        schedule: events.Schedule.rate(opts.tick ?? Duration.minutes(1)),
        targets: [new eventsTargets.LambdaFunction(fn, { retryAttempts: 0 })],
      });
    }
    this.functions[name] = fn;
    return fn;
  }
}
