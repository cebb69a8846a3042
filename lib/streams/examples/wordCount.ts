// Word count: lines of text in, a running count per word out, counts queryable by word.
import { Grouped, Materialized, Produced, Serdes, StreamsBuilder } from 'sluice/streams';

export function wordCount() {
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>('text-lines', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((word) => word.length > 0))
    .groupBy((_key, word) => word, Grouped.with(Serdes.string(), Serdes.string()))
    .count(Materialized.as('counts'))
    .toStream()
    .to('word-counts', Produced.with(Serdes.string(), Serdes.long()));
  return builder.build();
}

// As a topology module (sluice processors run, platform.addProcessor, a long-running process):
export const config = { 'application.id': 'word-count' };
export default wordCount;
