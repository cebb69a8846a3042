// A custom source connector: `ticks.max` numbered ticks into `topic`, one per poll, each
// with its source offset (the tick's number), so a restart resumes after the last tick
// committed. Create it in the dev server with `connector.class` naming this file.
import { defineSourceConnector } from 'sluice/connect';

export default defineSourceConnector({
  configDef: {
    topic: { type: 'STRING', importance: 'HIGH', documentation: 'Where the ticks go.' },
    'ticks.max': { type: 'INT', defaultValue: 3, importance: 'MEDIUM', documentation: 'How many ticks in all.' },
  },
  poll: ({ config, offsets }) => {
    const last = (offsets.get({ source: 'clock' })?.tick as number | undefined) ?? 0;
    if (last >= (config['ticks.max'] as number)) return null; // all ticked: nothing to poll
    const tick = last + 1;
    return {
      records: [{ topic: config.topic as string, key: 'clock', value: `tick ${tick}`, sourcePartition: { source: 'clock' }, sourceOffset: { tick } }],
    };
  },
});
