// Subscriptions: triggers that deliver a topic's records to functions (a Lambda function,
// an HTTP endpoint, or locally a module), per partition in offset order, with batching,
// retries and dead letters. catalog.ts administers them, dispatcher.ts delivers,
// targets.ts speaks to the targets (through egress.ts's address rules), sqs.ts to
// dead-letter queues (queues.ts says which), runs.ts says what each trigger of the
// dispatcher does, resource.ts serves the CDK's custom resource.
export { SubscriptionCatalog, type CatalogOptions, type PartitionPosition, type SubscriptionDescription } from './catalog.ts';
export {
  Dispatcher,
  movedPartition,
  type DispatcherLogger,
  type DispatcherOptions,
  type PartitionOutcome,
  type PartitionStreamRecord,
  type StreamReport,
  type SweepReport,
} from './dispatcher.ts';
export { dispatcherOptionsFromEnv, dispatcherRuns, INLINE_WAIT_ENV_VAR, MAX_SWEEP_MS, type RunSummary } from './runs.ts';
export {
  DEAD_LETTER_QUEUE_ENV_VAR,
  type DeadLetterDestination,
  type DeadLetterRecord,
  type KafkaEventRecord,
  type SluiceKafkaEvent,
  type StartingPosition,
  type SubscriptionRecord,
  type SubscriptionSpec,
  type Target,
} from './model.ts';
export {
  CreateSubscriptionSchema,
  LIMITS,
  SUBSCRIPTION_DEFAULTS,
  parseSubscriptionInput,
  validateSubscriptionName,
  validateTarget,
  type ValidationEnvironment,
} from './schema.ts';
export { physicalId, subscriptionResource } from './resource.ts';
/** A cursor's move inside a transaction of the log (processors: outputs, state and input position at once). */
export { acquireLease, cursorParticipant, readCursor, type CursorKey, type CursorState } from './cursorStore.ts';
export { createDeliver, kafkaEvent, type Deliver, type DeliveryResult } from './targets.ts';
export { createSqsSender, type SendDeadLetter } from './sqs.ts';
export { parseQueueUrl, sqsEnvironment, type QueueEndpoint, type SqsEnvironment } from './queues.ts';
export { addressClass, postChecked, refusedAddress, refusedHost, type LoopbackPolicy, type Resolver } from '../core/egress.ts';
