// The processor adapter: a topology bundled into its own Lambda (platform.addProcessor in
// the CDK, cdk/processors.ts) and woken two ways, both the same to it:
//   - by the dispatcher, as a subscription on each input topic (Lambda's Kafka event
//     shape) when a head moves: the records in the event are not used, since each task
//     reads its input from its own committed position (the subscription is a doorbell);
//   - by its EventBridge schedule (a wall-clock tick for idle windows and punctuators).
// Each wake-up runs one pass (ProcessorRuntime.runOnce: every task until caught up). A
// pass the function's timeout cuts short has committed whole batches only (one
// transaction each), and the next wake-up carries on from them. A pass that fails as a whole throws, so the dispatcher
// retries it; a task that keeps failing stops with its error recorded (describe shows it).
//
// The bundled module's application.id must be the name the processor was deployed under
// (SLUICE_PROCESSOR_NAME): the role's grants are scoped to that name.
import { InvalidConfigError } from '../core/errors.ts';
import type { Log } from '../log/index.ts';
import { logFromEnv } from './storage.ts';
import { PROCESSOR_NAME_ENV_VAR, topologyOf, type TopologyModule } from '../streams/runtime/module.ts';
import { ProcessorRuntime } from '../streams/runtime/processor.ts';

export interface ProcessorInvocationResult {
  processor: string;
  /** Per task: caught-up (records processed) or stopped (with the error code). */
  tasks: Record<string, string>;
}

export interface ProcessorHandlerOptions {
  env?: NodeJS.ProcessEnv;
  /** The log to run on (default: the function's storage, from its environment). */
  log?: () => Log;
}

export function createProcessorHandler(mod: TopologyModule, opts: ProcessorHandlerOptions = {}): (event?: unknown) => Promise<ProcessorInvocationResult> {
  const env = opts.env ?? process.env;
  let runtime: Promise<ProcessorRuntime> | undefined;
  const start = async (): Promise<ProcessorRuntime> => {
    const name = env[PROCESSOR_NAME_ENV_VAR];
    const { topology, config } = await topologyOf(mod, 'the bundled topology module');
    if (config['application.id'] !== name) {
      throw new InvalidConfigError(`The bundled topology's application.id '${config['application.id']}' is not the processor's name '${name}' (platform.addProcessor).`, { config: 'application.id' });
    }
    return ProcessorRuntime.create((opts.log ?? logFromEnv)(), topology, config, `lambda:${name}`);
  };
  return async () => {
    runtime ??= start();
    let ready: ProcessorRuntime;
    try {
      ready = await runtime;
    } catch (err) {
      runtime = undefined; // the next wake-up tries again
      throw err;
    }
    const outcomes = await ready.runOnce();
    const tasks = Object.fromEntries(Object.entries(outcomes).map(([task, o]) => [task, o.status === 'caught-up' ? `caught-up (${o.records})` : `stopped (${o.error.code})`]));
    return { processor: ready.name, tasks };
  };
}
