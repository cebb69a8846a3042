// One consumer group: members and their assignments, committed offsets and lag per
// partition, lag over time (sampled live), and resetting offsets while it is empty.
import { useState } from 'preact/hooks';
import type { GroupDescription, ResetTarget } from '../../../client/types.ts';
import { admin } from '../api.ts';
import { formatCount, formatRate, formatTime } from '../format.ts';
import { usePoll } from '../live.ts';
import { registerPage, type PageProps } from '../registry.ts';
import { href, navigate, seg } from '../router.ts';
import { consumed } from '../sampling.ts';
import { seriesFor } from '../series.ts';
import { TimeChart } from '../ui/chart.tsx';
import { ConfirmButton, ErrorNote, Field, Loading, Page, PagedTable, Stat } from '../ui/common.tsx';

const LAG_KEYS = ['lag'] as const;
const LAG_LINES = [{ key: 'lag', label: 'Lag (records)', color: '--chart-2' }];

function Group({ params }: PageProps) {
  const name = params.group!;
  const [version, setVersion] = useState(0);
  const poll = usePoll(async () => {
    const g = await admin.describeGroup(name);
    const t = Date.now();
    seriesFor(`group:${name}`, LAG_KEYS).series.push(t, { lag: g.lag });
    const rate = seriesFor(`group-rate:${name}`, ['out']).rates.update(t, { out: consumed(g) }).out;
    setVersion((v) => v + 1);
    return { g, rate };
  }, [name]);
  const g = poll.data?.g;
  return (
    <Page title={`Group ${name}`}>
      <p class="crumbs">
        <a href={href('/groups')}>Consumer groups</a> / {name}
      </p>
      <ErrorNote error={poll.error} what="Cannot load the group" />
      {!g ? (
        !poll.error && <Loading />
      ) : (
        <>
          <div class="stats">
            <Stat label="State" value={g.state} />
            <Stat label="Generation" value={g.generation} />
            <Stat label="Members" value={g.members.length} />
            <Stat label="Lag" value={formatCount(g.lag)} {...(g.lag > 0 ? { tone: 'warn' as const } : {})} />
            <Stat label="Records/s consumed" value={formatRate(poll.data?.rate)} />
          </div>
          <TimeChart title="Lag over time" series={seriesFor(`group:${name}`, LAG_KEYS).series} lines={LAG_LINES} format={(v) => formatCount(Math.round(v))} version={version} integer />
          <h2>Members</h2>
          <PagedTable
            caption="Members"
            columns={[{ label: 'Member' }, { label: 'Topics' }, { label: 'Assigned partitions' }, { label: 'Session expires' }]}
            rows={g.members}
            empty="No members: the group is empty."
            row={(m) => (
              <tr key={m.memberId}>
                <td class="mono">{m.memberId}</td>
                <td>{m.topics.join(', ')}</td>
                <td>{m.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ') || '–'}`).join('; ') || '–'}</td>
                <td>{formatTime(m.expiresAt)}</td>
              </tr>
            )}
          />
          <h2>Offsets and lag</h2>
          <PagedTable
            caption="Committed offsets and lag per partition"
            columns={[
              { label: 'Topic' },
              { label: 'Partition', numeric: true },
              { label: 'Committed', numeric: true },
              { label: 'Log start', numeric: true },
              { label: 'High watermark', numeric: true },
              { label: 'Lag', numeric: true },
            ]}
            rows={g.offsets}
            empty="No committed offsets."
            row={(o) => (
              <tr key={`${o.topic}/${o.partition}`}>
                <td>
                  <a href={href(`/topics/${seg(o.topic)}`)}>{o.topic}</a>
                </td>
                <td class="num">{o.partition}</td>
                <td class="num">{formatCount(o.offset)}</td>
                <td class="num">{formatCount(o.logStartOffset)}</td>
                <td class="num">{formatCount(o.highWatermark)}</td>
                <td class="num">{formatCount(o.lag)}</td>
              </tr>
            )}
          />
          <ResetOffsets group={g} onDone={poll.refresh} />
        </>
      )}
    </Page>
  );
}

function targetOf(to: string, value: string): ResetTarget {
  switch (to) {
    case 'offset':
      return { offset: Number(value) };
    case 'shiftBy':
      return { shiftBy: Number(value) };
    case 'datetime':
      return { datetime: Date.parse(`${value}Z`) };
    default:
      return to as 'earliest' | 'latest';
  }
}

/** Reset (like kafka-consumer-groups --reset-offsets) and delete: only while the group is empty. */
function ResetOffsets({ group, onDone }: { group: GroupDescription; onDone: () => void }) {
  const topics = [...new Set(group.offsets.map((o) => o.topic))];
  const [topic, setTopic] = useState(topics[0] ?? '');
  const [to, setTo] = useState('earliest');
  const [value, setValue] = useState('');
  const [done, setDone] = useState('');
  const empty = group.state === 'Empty';
  return (
    <section aria-labelledby="reset-title">
      <h2 id="reset-title">Reset offsets</h2>
      {!empty && <p class="muted">Offsets can be reset only while the group has no members.</p>}
      <div class="form-row">
        <Field label="Topic">
          <select name="reset-topic" value={topic} disabled={!empty} onChange={(e) => setTopic(e.currentTarget.value)}>
            {topics.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </Field>
        <Field label="To">
          <select name="reset-to" value={to} disabled={!empty} onChange={(e) => setTo(e.currentTarget.value)}>
            <option value="earliest">Earliest</option>
            <option value="latest">Latest</option>
            <option value="offset">Offset</option>
            <option value="shiftBy">Shift by</option>
            <option value="datetime">Time (UTC)</option>
          </select>
        </Field>
        {(to === 'offset' || to === 'shiftBy' || to === 'datetime') && (
          <Field label={to === 'datetime' ? 'Time (UTC)' : to === 'offset' ? 'Offset' : 'Shift by'}>
            <input name="reset-value" type={to === 'datetime' ? 'datetime-local' : 'number'} value={value} disabled={!empty} onInput={(e) => setValue(e.currentTarget.value)} />
          </Field>
        )}
        <p class="actions">
          <ConfirmButton
            label="Reset offsets…"
            title={`Reset ${group.group} on ${topic}?`}
            body={<p>Every partition of {topic} moves to the chosen position; consumers that join next start there.</p>}
            confirmLabel="Reset offsets"
            disabled={!empty || !topic}
            onConfirm={async () => {
              const offsets = await admin.resetOffsets(group.group, { topic, to: targetOf(to, value) });
              setDone(`Reset ${offsets.length} partition${offsets.length === 1 ? '' : 's'} of ${topic}.`);
              onDone();
            }}
          />
          <ConfirmButton
            label="Delete group…"
            title={`Delete group ${group.group}?`}
            body={<p>Its committed offsets are deleted.</p>}
            confirmLabel="Delete group"
            typeToConfirm={group.group}
            danger
            disabled={!empty}
            onConfirm={async () => {
              await admin.deleteGroup(group.group);
              navigate(href('/groups'));
            }}
          />
          <span class="notice" role="status">
            {done}
          </span>
        </p>
      </div>
    </section>
  );
}

registerPage({ path: '/groups/:group', title: (p) => `Group ${p.group}`, component: Group });
