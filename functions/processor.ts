// Lambda entry point of a processor deployed with platform.addProcessor (cdk/processors.ts):
// the user's topology module, aliased to 'sluice-topology' when the function is bundled,
// run by the processor adapter on each wake-up (the dispatcher, the schedule).
import * as topology from 'sluice-topology';
import { createProcessorHandler } from '../lib/runtime/processor.ts';

export const handler = createProcessorHandler(topology);
