// One topic: its partitions (log start, high watermark, size, segments), live throughput,
// the groups reading it with their lag, its configs (editable) and partition count.
import { useState } from 'preact/hooks';
import type { GroupDescription, TopicDescription } from '../../../client/types.ts';
import { admin, describeAllGroups } from '../api.ts';
import { formatBytes, formatCount, formatRate, offsetSpanLabel } from '../format.ts';
import { usePoll } from '../live.ts';
import { registerPage, type PageProps } from '../registry.ts';
import { href, navigate, seg } from '../router.ts';
import { consumed, sampleThroughput, THROUGHPUT_KEYS } from '../sampling.ts';
import { seriesFor } from '../series.ts';
import { TimeChart } from '../ui/chart.tsx';
import { useAction } from '../ui/action.ts';
import { ErrorNote, Field, Loading, Page, PagedTable, Stat } from '../ui/common.tsx';
import { DeleteTopic } from './topics.tsx';

const LINES = [
  { key: 'in', label: 'Records/s in', color: '--chart-1' },
  { key: 'out', label: 'Records/s out', color: '--chart-2' },
];

function TopicDetail({ params }: PageProps) {
  const name = params.topic!;
  const [version, setVersion] = useState(0);
  const poll = usePoll(async () => {
    const [topic, groups] = await Promise.all([admin.describeTopic(name), describeAllGroups()]);
    const readers = groups.filter((g) => g.offsets.some((o) => o.topic === name));
    const rates = sampleThroughput(`topic:${name}`, [topic], readers);
    setVersion((v) => v + 1);
    return { topic, readers, rates };
  }, [name]);
  const t = poll.data?.topic;
  return (
    <Page
      title={`Topic ${name}`}
      actions={
        <>
          <a class="button" href={href(`/topics/${seg(name)}/messages`)}>
            Browse messages
          </a>
          <a class="button" href={href(`/topics/${seg(name)}/produce`)}>
            Produce
          </a>
          <a class="button" href={href('/subscriptions', { topic: name })}>
            Subscriptions
          </a>
          <DeleteTopic name={name} before={poll.pause} onDeleted={() => navigate(href('/topics'))} />
        </>
      }
    >
      <p class="crumbs">
        <a href={href('/topics')}>Topics</a> / {name}
      </p>
      <ErrorNote error={poll.error} what="Cannot load the topic" />
      {!t ? (
        !poll.error && <Loading />
      ) : (
        <>
          <div class="stats">
            <Stat label="Partitions" value={t.partitions.length} />
            <Stat label={offsetSpanLabel(t.config)} value={formatCount(t.partitions.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0))} />
            <Stat label="Size" value={formatBytes(t.partitions.reduce((n, p) => n + p.sizeBytes, 0))} />
            <Stat label="Records/s in" value={formatRate(poll.data?.rates.in)} />
            <Stat label="Records/s out" value={formatRate(poll.data?.rates.out)} />
          </div>
          <TimeChart title={`Throughput of ${name}`} series={seriesFor(`topic:${name}`, THROUGHPUT_KEYS).series} lines={LINES} format={formatRate} version={version} />
          <h2>Partitions</h2>
          <PartitionsTable topic={t} />
          <h2>Consumer groups</h2>
          <ReadersTable topic={name} readers={poll.data!.readers} />
          <Configs topic={t} onSaved={poll.refresh} />
        </>
      )}
    </Page>
  );
}

/** Per partition: log start, high watermark, records, size, segments; linked to its messages. */
function PartitionsTable({ topic }: { topic: TopicDescription }) {
  return (
    <PagedTable
      caption="Partitions"
      columns={[
        { label: 'Partition', numeric: true },
        { label: 'Log start', numeric: true },
        { label: 'High watermark', numeric: true },
        { label: offsetSpanLabel(topic.config), numeric: true },
        { label: 'Size', numeric: true },
        { label: 'Segments', numeric: true },
      ]}
      rows={topic.partitions}
      row={(p) => (
        <tr key={p.partition}>
          <td class="num">
            <a href={href(`/topics/${seg(topic.name)}/messages`, { partition: p.partition, from: 'earliest' })}>{p.partition}</a>
          </td>
          <td class="num">{formatCount(p.logStartOffset)}</td>
          <td class="num">{formatCount(p.highWatermark)}</td>
          <td class="num">{formatCount(p.highWatermark - p.logStartOffset)}</td>
          <td class="num">{formatBytes(p.sizeBytes)}</td>
          <td class="num">{formatCount(p.segments)}</td>
        </tr>
      )}
    />
  );
}

/** The groups with offsets on this topic: how far each has read and its lag here. */
function ReadersTable({ topic, readers }: { topic: string; readers: GroupDescription[] }) {
  return (
    <PagedTable
      caption="Consumer groups reading this topic"
      columns={[{ label: 'Group' }, { label: 'State' }, { label: 'Committed', numeric: true }, { label: 'Lag', numeric: true }]}
      rows={readers}
      empty="No group has committed offsets on this topic."
      row={(g) => (
        <tr key={g.group}>
          <td>
            <a href={href(`/groups/${seg(g.group)}`)}>{g.group}</a>
          </td>
          <td>{g.state}</td>
          <td class="num">{formatCount(consumed(g, topic))}</td>
          <td class="num">{formatCount(g.offsets.filter((o) => o.topic === topic).reduce((n, o) => n + (o.lag ?? 0), 0))}</td>
        </tr>
      )}
    />
  );
}

/**
 * The topic's configs as inputs; Save sends only the changed ones. Partitions only grow.
 * The inputs start from the values at page load and after each save.
 */
function Configs({ topic, onSaved }: { topic: TopicDescription; onSaved: () => void }) {
  const [draft, setDraft] = useState<Record<string, string>>(topic.config);
  const [partitions, setPartitions] = useState(String(topic.partitions.length));
  const [saved, setSaved] = useState('');
  const action = useAction();
  const changed = Object.fromEntries(Object.entries(draft).filter(([k, v]) => topic.config[k] !== v));
  const grow = Number(partitions) !== topic.partitions.length;
  const save = (e: Event) => {
    e.preventDefault();
    setSaved('');
    void action.run(async () => {
      const updated = await admin.alterTopic(topic.name, { ...(Object.keys(changed).length ? { config: changed } : {}), ...(grow ? { partitions: Number(partitions) } : {}) });
      setDraft(updated.config);
      setPartitions(String(updated.partitions.length));
      setSaved(`Saved ${[...Object.keys(changed), ...(grow ? ['partitions'] : [])].join(', ')}.`);
      onSaved();
    });
  };
  return (
    <form onSubmit={save} aria-labelledby="configs-title">
      <h2 id="configs-title">Configuration</h2>
      <div class="form-row">
        {Object.keys(draft)
          .sort()
          .map((k) => (
            <Field key={k} label={k}>
              <input name={k} value={draft[k]} onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })} />
            </Field>
          ))}
        <Field label="Partitions" hint="Partitions can only be added.">
          <input name="partitions" type="number" min={topic.partitions.length} value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} />
        </Field>
      </div>
      <ErrorNote error={action.error} />
      <p class="actions">
        <button type="submit" class="primary" disabled={action.busy || (!grow && Object.keys(changed).length === 0)}>
          Save changes
        </button>
        <span class="notice" role="status">
          {saved}
        </span>
      </p>
    </form>
  );
}

registerPage({ path: '/topics/:topic', title: (p) => `Topic ${p.topic}`, component: TopicDetail });
