// Lambda entry point of the 'connectorRuntime' function (see FUNCTIONS in lib/api/routes.ts):
// no HTTP routes. Sink connectors run from the partitions table's stream (event source
// mapping) like subscriptions; on the EventBridge schedule (and when invoked directly)
// every running source connector is polled and the sinks are swept (lib/connect/runtime).
// Custom sinks, which run in functions of their own, are woken from here for the topics
// each stream batch moved (lib/connect/runtime/customSinks.ts).
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createConnectRuntime, CUSTOM_SINK_FUNCTIONS_ENV, customSinkFunctions, RUN_REQUEST, type ConnectRuntime } from '../lib/connect/runtime/index.ts';
import { createLogger } from '../lib/runtime/logger.ts';
import { handleEvents } from '../lib/runtime/events.ts';
import { createScheduleHandler } from '../lib/runtime/schedule.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';
import { createStreamHandler } from '../lib/runtime/stream.ts';
import type { PartitionStreamRecord } from '../lib/subscriptions/dispatcher.ts';

let runtime: ConnectRuntime | undefined;
let lambda: LambdaClient | undefined;
const logger = createLogger('sluice-connectorRuntime');
const runtimeOf = () =>
  (runtime ??= createConnectRuntime(logFromEnv(), {
    customSinks: {
      functions: customSinkFunctions(process.env[CUSTOM_SINK_FUNCTIONS_ENV]),
      invoke: async (fn) => {
        await (lambda ??= new LambdaClient({})).send(new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(RUN_REQUEST)) }));
      },
      onError: (connector, err) => logger.warn('could not wake a custom sink; its schedule will run it', { connector, error: String((err as Error)?.message ?? err) }),
    },
  }));

const scheduled = createScheduleHandler('connectorRuntime', (pass) => runtimeOf().runScheduled(pass.deadline !== undefined ? { deadline: pass.deadline } : {}), {
  summary: (r) => ({ sources: r.sources.map((s) => ({ connector: s.connector, records: s.records, state: s.state })), sinkRuns: r.sinkRuns }),
});

export const handler = handleEvents('connectorRuntime', {
  stream: createStreamHandler('connectorRuntime', async (records: PartitionStreamRecord[], run) => {
    const [report, woken] = await Promise.all([runtimeOf().sinks.handleStreamRecords(records, run), runtimeOf().wakeCustomSinks(records)]);
    return { failed: report.failed, dispatched: report.outcomes.length, woken };
  }),
  schedule: scheduled,
  invoke: scheduled,
});
