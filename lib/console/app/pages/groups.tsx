// Consumer groups: the list (state, members, lag), and the groups card of the overview
// with the lagging groups first and highlighted.
import { useState } from 'preact/hooks';
import type { GroupDescription } from '../../../client/types.ts';
import { describeAllGroups } from '../api.ts';
import { formatCount } from '../format.ts';
import { usePoll } from '../live.ts';
import { registerPage } from '../registry.ts';
import { href, seg } from '../router.ts';
import { ErrorNote, Field, Loading, Page, PagedTable } from '../ui/common.tsx';

const byLag = (a: GroupDescription, b: GroupDescription) => b.lag - a.lag || a.group.localeCompare(b.group);

function GroupRow({ g, compact }: { g: GroupDescription; compact?: boolean }) {
  return (
    <tr key={g.group} class={g.lag > 0 ? 'warn' : ''}>
      <td>
        <a href={href(`/groups/${seg(g.group)}`)}>{g.group}</a>
      </td>
      <td>{g.state}</td>
      <td class="num">{g.members.length}</td>
      {!compact && <td>{[...new Set(g.offsets.map((o) => o.topic))].join(', ') || '–'}</td>}
      <td class="num">{g.lag > 0 ? <span class="pill warn">{formatCount(g.lag)}</span> : '0'}</td>
    </tr>
  );
}

const COLUMNS = [{ label: 'Group' }, { label: 'State' }, { label: 'Members', numeric: true }, { label: 'Topics' }, { label: 'Lag', numeric: true }];
const CARD_COLUMNS = COLUMNS.filter((c) => c.label !== 'Topics');

function Groups() {
  const [search, setSearch] = useState('');
  const poll = usePoll(describeAllGroups, []);
  const groups = (poll.data ?? []).filter((g) => g.group.toLowerCase().includes(search.trim().toLowerCase())).sort(byLag);
  return (
    <Page title="Consumer groups">
      <Field label="Search groups">
        <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="name contains…" />
      </Field>
      <ErrorNote error={poll.error} what="Cannot list groups" />
      {poll.data === undefined && !poll.error ? (
        <Loading />
      ) : (
        <PagedTable caption="Consumer groups" columns={COLUMNS} rows={groups} empty="No consumer groups." row={(g) => <GroupRow g={g} />} />
      )}
    </Page>
  );
}

function GroupsCard() {
  const poll = usePoll(describeAllGroups, []);
  const groups = [...(poll.data ?? [])].sort(byLag).slice(0, 8);
  const lagging = (poll.data ?? []).filter((g) => g.lag > 0).length;
  return (
    <section class="card" aria-labelledby="card-groups">
      <h2 id="card-groups">
        <a href={href('/groups')}>Consumer groups</a> {lagging > 0 && <span class="pill warn">{lagging} lagging</span>}
      </h2>
      <PagedTable caption="Consumer groups by lag" columns={CARD_COLUMNS} rows={groups} empty="No consumer groups." row={(g) => <GroupRow g={g} compact />} />
    </section>
  );
}

registerPage({ path: '/groups', title: () => 'Consumer groups', component: Groups, nav: { label: 'Groups', order: 20 }, overviewCard: GroupsCard });
