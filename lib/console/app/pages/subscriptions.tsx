// Subscriptions: every subscription of every topic (or of one) with status, lag,
// deliveries and dead letters, failing ones highlighted; one subscription's position and
// lag per partition, lag over time and its dead letters; and the overview's card.
import { useState } from 'preact/hooks';
import type { DeadLetterRecord as DeadLetter, SubscriptionDescription as Subscription } from '../../../client/types.ts';
import { isFailing, listAllSubscriptions, subscriptions } from '../api.ts';
import { formatCount, formatTime } from '../format.ts';
import { usePoll } from '../live.ts';
import { registerPage, type PageProps } from '../registry.ts';
import { href, seg } from '../router.ts';
import { seriesFor } from '../series.ts';
import { TimeChart } from '../ui/chart.tsx';
import { ErrorNote, Loading, Page, PagedTable, Stat } from '../ui/common.tsx';

const target = (s: Subscription) => {
  const t = s.target;
  return t.type === 'lambda' ? t.functionArn : t.type === 'http' ? t.url : t.type === 'connector' ? t.connector : t.path;
};
const subHref = (s: Pick<Subscription, 'topic' | 'name'>) => href(`/topics/${seg(s.topic)}/subscriptions/${seg(s.name)}`);
const allSubscriptions = () => listAllSubscriptions();

function Status({ s }: { s: Subscription }) {
  if (isFailing(s)) return <span class="pill bad">failing</span>;
  return <span class={`pill ${s.status === 'active' ? 'ok' : 'warn'}`}>{s.status}</span>;
}

const COLUMNS = [
  { label: 'Topic' },
  { label: 'Subscription' },
  { label: 'Target' },
  { label: 'Status' },
  { label: 'Lag', numeric: true },
  { label: 'Delivered', numeric: true },
  { label: 'Dead letters', numeric: true },
];

function SubscriptionRow({ s }: { s: Subscription }) {
  return (
    <tr key={`${s.topic}/${s.name}`} class={isFailing(s) ? 'bad' : ''}>
      <td>
        <a href={href(`/topics/${seg(s.topic)}`)}>{s.topic}</a>
      </td>
      <td>
        <a href={subHref(s)}>{s.name}</a>
      </td>
      <td class="mono">{target(s)}</td>
      <td>
        <Status s={s} />
      </td>
      <td class="num">{formatCount(s.lag)}</td>
      <td class="num">{formatCount(s.delivered)}</td>
      <td class="num">{s.deadLettered > 0 ? <span class="bad-text">{formatCount(s.deadLettered)}</span> : '0'}</td>
    </tr>
  );
}

function Subscriptions({ query }: PageProps) {
  const topic = query.get('topic') ?? undefined;
  const poll = usePoll(() => listAllSubscriptions(topic === undefined ? undefined : [topic]), [topic]);
  const rows = [...(poll.data ?? [])].sort((a, b) => Number(isFailing(b)) - Number(isFailing(a)));
  return (
    <Page title={topic ? `Subscriptions of ${topic}` : 'Subscriptions'}>
      {topic && (
        <p class="crumbs">
          <a href={href('/subscriptions')}>All subscriptions</a>
        </p>
      )}
      <ErrorNote error={poll.error} what="Cannot list subscriptions" />
      {poll.data === undefined && !poll.error ? (
        <Loading />
      ) : (
        <PagedTable caption="Subscriptions" columns={COLUMNS} rows={rows} empty="No subscriptions. Create one with `sluice subscriptions create`." row={(s) => <SubscriptionRow s={s} />} />
      )}
    </Page>
  );
}

function SubscriptionDetail({ params }: PageProps) {
  const { topic, name } = params as { topic: string; name: string };
  const [version, setVersion] = useState(0);
  const poll = usePoll(async () => {
    const [s, deadLetters] = await Promise.all([subscriptions.describe(topic, name), subscriptions.deadLetters(topic, name, { limit: 100 })]);
    seriesFor(`subscription:${topic}/${name}`, ['lag']).series.push(Date.now(), { lag: s.lag });
    setVersion((v) => v + 1);
    return { s, deadLetters };
  }, [topic, name]);
  const s = poll.data?.s;
  return (
    <Page title={`Subscription ${name}`}>
      <p class="crumbs">
        <a href={href('/subscriptions')}>Subscriptions</a> / <a href={href(`/topics/${seg(topic)}`)}>{topic}</a> / {name}
      </p>
      <ErrorNote error={poll.error} what="Cannot load the subscription" />
      {!s ? (
        !poll.error && <Loading />
      ) : (
        <>
          <div class="stats">
            <Stat label="Status" value={<Status s={s} />} />
            <Stat label="Target" value={<span class="mono">{s.target.type}</span>} />
            <Stat label="Lag" value={formatCount(s.lag)} />
            <Stat label="Delivered" value={formatCount(s.delivered)} />
            <Stat label="Dead letters" value={formatCount(s.deadLettered)} {...(s.deadLettered > 0 ? { tone: 'bad' as const } : {})} />
          </div>
          <p class="mono">{target(s)}</p>
          <TimeChart title="Lag over time" series={seriesFor(`subscription:${topic}/${name}`, ['lag']).series} lines={[{ key: 'lag', label: 'Lag (records)', color: '--chart-2' }]} format={(v) => formatCount(Math.round(v))} version={version} integer />
          <h2>Position per partition</h2>
          <PagedTable
            caption="Position and lag per partition"
            columns={[
              { label: 'Partition', numeric: true },
              { label: 'Position', numeric: true },
              { label: 'High watermark', numeric: true },
              { label: 'Lag', numeric: true },
              { label: 'Delivered', numeric: true },
              { label: 'Dead letters', numeric: true },
              { label: 'Last error' },
            ]}
            rows={s.partitions}
            row={(p) => (
              <tr key={p.partition} class={p.lastError ? 'bad' : ''}>
                <td class="num">{p.partition}</td>
                <td class="num">{formatCount(p.position)}</td>
                <td class="num">{formatCount(p.highWatermark)}</td>
                <td class="num">{formatCount(p.lag)}</td>
                <td class="num">{formatCount(p.delivered)}</td>
                <td class="num">{formatCount(p.deadLettered)}</td>
                <td>{p.lastError ? `${p.attempts ? `retrying (attempt ${p.attempts}): ` : ''}${p.lastError.code}: ${p.lastError.message}` : '–'}</td>
              </tr>
            )}
          />
          <h2>Dead letters</h2>
          <DeadLettersTable topic={topic} deadLetters={poll.data!.deadLetters} />
        </>
      )}
    </Page>
  );
}

/** Dead letters, newest first, each linked to its first record in the message browser. */
function DeadLettersTable({ topic, deadLetters }: { topic: string; deadLetters: DeadLetter[] }) {
  return (
    <PagedTable
      caption="Dead letters, newest first"
      columns={[{ label: 'Failed at' }, { label: 'Partition', numeric: true }, { label: 'Offsets' }, { label: 'Attempts', numeric: true }, { label: 'Error' }]}
      rows={deadLetters}
      empty="No dead letters."
      row={(d) => (
        <tr key={`${d.partition}/${d.firstOffset}/${d.failedAt}`}>
          <td>{formatTime(d.failedAt)}</td>
          <td class="num">{d.partition}</td>
          <td>
            <a href={href(`/topics/${seg(topic)}/messages`, { partition: d.partition, from: 'offset', offset: d.firstOffset })}>
              {d.firstOffset}–{d.lastOffset}
            </a>
          </td>
          <td class="num">{d.attempts}</td>
          <td>
            {d.error.code}: {d.error.message}
          </td>
        </tr>
      )}
    />
  );
}

function SubscriptionsCard() {
  const poll = usePoll(allSubscriptions, []);
  const all = poll.data ?? [];
  const failing = all.filter(isFailing);
  return (
    <section class="card" aria-labelledby="card-subscriptions">
      <h2 id="card-subscriptions">
        <a href={href('/subscriptions')}>Subscriptions</a> {failing.length > 0 && <span class="pill bad">{failing.length} failing</span>}
      </h2>
      {failing.length === 0 ? (
        <p class="muted">{all.length === 0 ? 'No subscriptions.' : `${all.length} subscription${all.length === 1 ? '' : 's'}, none failing.`}</p>
      ) : (
        <PagedTable caption="Failing subscriptions" columns={COLUMNS} rows={failing} pageSize={8} row={(s) => <SubscriptionRow s={s} />} />
      )}
    </section>
  );
}

registerPage({ path: '/subscriptions', title: () => 'Subscriptions', component: Subscriptions, nav: { label: 'Subscriptions', order: 30 }, overviewCard: SubscriptionsCard });
registerPage({ path: '/topics/:topic/subscriptions/:name', title: (p) => `Subscription ${p.name}`, component: SubscriptionDetail });
