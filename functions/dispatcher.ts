// Lambda entry point of the 'dispatcher' function (see FUNCTIONS in lib/api/routes.ts): no
// HTTP routes. Driven by the partitions table's stream (event source mapping), and swept
// on its EventBridge schedule and when invoked directly (`{"sweep":true}`, by operators);
// lib/subscriptions/runs.ts says what each of them does; lib/push/stream.ts adds the
// notices of push connections to each stream batch.
import { posterFromEnv } from '../lib/push/poster.ts';
import { withHeadNotices } from '../lib/push/stream.ts';
import { handleEvents } from '../lib/runtime/events.ts';
import { createScheduleHandler } from '../lib/runtime/schedule.ts';
import { storageFromEnv } from '../lib/runtime/storage.ts';
import { createStreamHandler } from '../lib/runtime/stream.ts';
import { Dispatcher } from '../lib/subscriptions/dispatcher.ts';
import { dispatcherOptionsFromEnv, dispatcherRuns } from '../lib/subscriptions/runs.ts';

let dispatcher: Dispatcher | undefined;
const runs = dispatcherRuns(() => (dispatcher ??= new Dispatcher(storageFromEnv(), dispatcherOptionsFromEnv())));

const poster = posterFromEnv();
const sweep = createScheduleHandler('dispatcher', runs.sweep);

export const handler = handleEvents('dispatcher', {
  // Each batch also tells push connections watching a head that moved (lib/push/notify.ts).
  stream: createStreamHandler('dispatcher', withHeadNotices(runs.streamBatch, () => ({ clients: storageFromEnv(), poster }))),
  schedule: sweep,
  invoke: sweep,
});
