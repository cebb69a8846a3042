// Lambda entry point of the 'dispatcher' function (see FUNCTIONS in lib/api/routes.ts): no
// HTTP routes. Driven by the partitions table's stream (event source mapping), and swept
// on its EventBridge schedule and when invoked directly (`{"sweep":true}`, by operators);
// lib/subscriptions/runs.ts says what each of them does.
import { handleEvents } from '../lib/runtime/events.ts';
import { createScheduleHandler } from '../lib/runtime/schedule.ts';
import { storageFromEnv } from '../lib/runtime/storage.ts';
import { createStreamHandler } from '../lib/runtime/stream.ts';
import { Dispatcher } from '../lib/subscriptions/dispatcher.ts';
import { dispatcherOptionsFromEnv, dispatcherRuns } from '../lib/subscriptions/runs.ts';

let dispatcher: Dispatcher | undefined;
const runs = dispatcherRuns(() => (dispatcher ??= new Dispatcher(storageFromEnv(), dispatcherOptionsFromEnv())));

const sweep = createScheduleHandler('dispatcher', runs.sweep);

export const handler = handleEvents('dispatcher', {
  stream: createStreamHandler('dispatcher', runs.streamBatch),
  schedule: sweep,
  invoke: sweep,
});
