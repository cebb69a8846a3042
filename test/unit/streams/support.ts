// Helpers for the streams tests: a driver over a topology built inline, with text keys
// and JSON values unless a test says otherwise.
import { StreamsBuilder, TopologyTestDriver, type StreamsConfig } from '../../../lib/streams/index.ts';
import type { RuntimeOptions } from '../../../lib/streams/testing/memoryRuntime.ts';

export function drive(build: (b: StreamsBuilder) => void, config: Partial<StreamsConfig> = {}, options: RuntimeOptions = {}): TopologyTestDriver {
  const builder = new StreamsBuilder();
  build(builder);
  return new TopologyTestDriver(builder.build(), { 'application.id': 'app', ...config }, options);
}

/** key@timestamp=value triples, for compact expectations. */
export function kvt<K, V>(records: ReadonlyArray<{ key: K; value: V; timestamp: number }>): Array<[K, V, number]> {
  return records.map((r) => [r.key, r.value, r.timestamp]);
}
