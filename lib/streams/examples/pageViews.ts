// Page views per user per 5 minutes: windows on event time with a minute of grace for
// late views, one final count per window (suppressed), windows queryable by user for an hour.
import { Duration, Materialized, Produced, Serdes, StreamsBuilder, Suppressed, TimeWindows } from 'sluice/streams';

export function pageViews() {
  const builder = new StreamsBuilder();
  builder
    .stream<string, { url: string }>('page-views', { key: Serdes.string() }) // key: the user
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(5), Duration.ofMinutes(1)))
    .count(Materialized.as('views-per-user', { retentionMs: Duration.ofHours(1) })) // queryable for an hour
    .suppress(Suppressed.untilWindowCloses())
    .toStream()
    .map((windowed, views) => ({ key: windowed.key, value: { start: windowed.window.start, views } }))
    .to('page-view-counts', Produced.with(Serdes.string(), Serdes.json()));
  return builder.build();
}
