// Connectors: every connector with its class, type, state and task states, failing ones
// (the connector or a task FAILED) first and highlighted; and the overview's card, which
// lists the failing connectors.
import { useState } from 'preact/hooks';
import type { ConnectorRunState } from '../../../client/connectors.ts';
import { listAllConnectors } from '../api.ts';
import { byFailingThenName, connectorClass, isConnectorFailing, stateTone, type ConnectorView } from '../connectors.ts';
import { usePoll } from '../live.ts';
import { registerPage } from '../registry.ts';
import { href, seg } from '../router.ts';
import { ErrorNote, Field, Loading, Page, PagedTable } from '../ui/common.tsx';

export function StatePill({ state }: { state: ConnectorRunState | undefined }) {
  return <span class={`pill ${stateTone(state)}`}>{state ?? 'UNKNOWN'}</span>;
}

const COLUMNS = [{ label: 'Connector' }, { label: 'Class' }, { label: 'Type' }, { label: 'State' }, { label: 'Tasks' }];

function ConnectorRow({ c }: { c: ConnectorView }) {
  const tasks = c.status?.tasks ?? [];
  return (
    <tr key={c.name} class={isConnectorFailing(c) ? 'bad' : ''}>
      <td>
        <a href={href(`/connectors/${seg(c.name)}`)}>{c.name}</a>
      </td>
      <td class="mono">{connectorClass(c)}</td>
      <td>{c.info?.type ?? c.status?.type ?? '–'}</td>
      <td>
        <StatePill state={c.status?.connector.state} />
      </td>
      <td>
        {tasks.length === 0
          ? '–'
          : tasks.map((t) => (
              <span key={t.id} class="task-state">
                {t.id}: <StatePill state={t.state} />{' '}
              </span>
            ))}
      </td>
    </tr>
  );
}

function Connectors() {
  const [search, setSearch] = useState('');
  const poll = usePoll(listAllConnectors, []);
  const rows = (poll.data ?? []).filter((c) => c.name.toLowerCase().includes(search.trim().toLowerCase())).sort(byFailingThenName);
  return (
    <Page title="Connectors">
      <Field label="Search connectors">
        <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="name contains…" />
      </Field>
      <ErrorNote error={poll.error} what="Cannot list connectors" />
      {poll.data === undefined && !poll.error ? (
        <Loading />
      ) : (
        <PagedTable caption="Connectors" columns={COLUMNS} rows={rows} empty="No connectors." row={(c) => <ConnectorRow c={c} />} />
      )}
    </Page>
  );
}

function ConnectorsCard() {
  const poll = usePoll(listAllConnectors, []);
  const all = poll.data ?? [];
  const failing = all.filter(isConnectorFailing).sort(byFailingThenName);
  return (
    <section class="card" aria-labelledby="card-connectors">
      <h2 id="card-connectors">
        <a href={href('/connectors')}>Connectors</a> {failing.length > 0 && <span class="pill bad">{failing.length} failing</span>}
      </h2>
      <ErrorNote error={poll.error} what="Cannot list connectors" />
      {failing.length === 0 ? (
        <p class="muted">{all.length === 0 ? 'No connectors.' : `${all.length} connector${all.length === 1 ? '' : 's'}, none failing.`}</p>
      ) : (
        <PagedTable caption="Failing connectors" columns={COLUMNS} rows={failing} pageSize={8} row={(c) => <ConnectorRow c={c} />} />
      )}
    </section>
  );
}

registerPage({ path: '/connectors', title: () => 'Connectors', component: Connectors, nav: { label: 'Connectors', order: 40 }, overviewCard: ConnectorsCard });
