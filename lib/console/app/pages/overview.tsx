// Overview: the cluster at a glance. Totals and throughput (records/s in and out) from
// every topic and group, a live chart of both, then one card per feature that has one
// (topics, groups, subscriptions; later processors and connectors), failures highlighted.
import { useState } from 'preact/hooks';
import { describeAllGroups, describeAllTopics } from '../api.ts';
import { formatBytes, formatCount, formatRate } from '../format.ts';
import { usePoll } from '../live.ts';
import { overviewCards, registerPage } from '../registry.ts';
import { sampleThroughput } from '../sampling.ts';
import { seriesFor } from '../series.ts';
import { TimeChart } from '../ui/chart.tsx';
import { ErrorNote, Page, Stat } from '../ui/common.tsx';

const THROUGHPUT_LINES = [
  { key: 'in', label: 'Records/s in', color: '--chart-1' },
  { key: 'out', label: 'Records/s out', color: '--chart-2' },
];

function Overview() {
  const [version, setVersion] = useState(0);
  const poll = usePoll(async () => {
    const [topics, groups] = await Promise.all([describeAllTopics(), describeAllGroups()]);
    const rates = sampleThroughput('overview', topics, groups);
    setVersion((v) => v + 1);
    return { topics, groups, rates };
  }, []);
  const d = poll.data;
  const partitions = d?.topics.reduce((n, t) => n + t.partitions.length, 0);
  const size = d?.topics.reduce((n, t) => n + t.partitions.reduce((m, p) => m + p.sizeBytes, 0), 0);
  const lagging = d?.groups.filter((g) => g.lag > 0).length;
  return (
    <Page title="Overview">
      <ErrorNote error={poll.error} what="Cannot load the overview" />
      <div class="stats">
        <Stat label="Topics" value={formatCount(d?.topics.length)} />
        <Stat label="Partitions" value={formatCount(partitions)} />
        <Stat label="Total size" value={size === undefined ? '–' : formatBytes(size)} />
        <Stat label="Records/s in" value={formatRate(d?.rates.in)} />
        <Stat label="Records/s out" value={formatRate(d?.rates.out)} />
        <Stat label="Groups with lag" value={formatCount(lagging)} {...(lagging ? { tone: 'warn' as const } : {})} />
      </div>
      <TimeChart
        title="Throughput, all topics"
        series={seriesFor('overview', ['in', 'out']).series}
        lines={THROUGHPUT_LINES}
        format={(v) => formatRate(v)}
        version={version}
      />
      <div class="cards">
        {overviewCards().map((Card, i) => (
          <Card key={i} />
        ))}
      </div>
    </Page>
  );
}

registerPage({ path: '/', title: () => 'Overview', component: Overview, nav: { label: 'Overview', order: 0 } });
