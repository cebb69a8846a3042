// Lambda entry point of the 'connectorRuntime' function (see FUNCTIONS in lib/api/routes.ts):
// no HTTP routes. Sink connectors run from the partitions table's stream (event source
// mapping) like subscriptions; on the EventBridge schedule (and when invoked directly)
// every running source connector is polled and the sinks are swept (lib/connect/runtime).
import { createConnectRuntime, type ConnectRuntime } from '../lib/connect/runtime/index.ts';
import { handleEvents } from '../lib/runtime/events.ts';
import { createScheduleHandler } from '../lib/runtime/schedule.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';
import { createStreamHandler } from '../lib/runtime/stream.ts';
import type { PartitionStreamRecord } from '../lib/subscriptions/dispatcher.ts';

let runtime: ConnectRuntime | undefined;
const runtimeOf = () => (runtime ??= createConnectRuntime(logFromEnv()));

const scheduled = createScheduleHandler('connectorRuntime', (pass) => runtimeOf().runScheduled(pass.deadline !== undefined ? { deadline: pass.deadline } : {}), {
  summary: (r) => ({ sources: r.sources.map((s) => ({ connector: s.connector, records: s.records, state: s.state })), sinkRuns: r.sinkRuns }),
});

export const handler = handleEvents('connectorRuntime', {
  stream: createStreamHandler('connectorRuntime', async (records: PartitionStreamRecord[], run) => {
    const report = await runtimeOf().sinks.handleStreamRecords(records, run);
    return { failed: report.failed, dispatched: report.outcomes.length };
  }),
  schedule: scheduled,
  invoke: scheduled,
});
