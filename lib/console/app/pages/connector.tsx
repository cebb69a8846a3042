// One connector: its state, class and type, its tasks with their states and workers, the
// last error trace, its config; and the controls: pause and resume at once, restart and
// stop after confirming (they interrupt the tasks' work in flight).
import { useState } from 'preact/hooks';
import { connectors } from '../api.ts';
import { connectorClass, isConnectorFailing, lastTrace, type ConnectorView } from '../connectors.ts';
import { usePoll } from '../live.ts';
import { registerPage, type PageProps } from '../registry.ts';
import { href } from '../router.ts';
import { useAction } from '../ui/action.ts';
import { ConfirmButton, ErrorNote, Loading, Page, PagedTable, Stat } from '../ui/common.tsx';
import { StatePill } from './connectors.tsx';

function Controls({ c, onDone }: { c: ConnectorView; onDone: (what: string) => void }) {
  const action = useAction();
  const state = c.status?.connector.state;
  const act = (what: string, fn: (name: string) => Promise<void>) => async () => {
    await fn(c.name);
    onDone(what);
  };
  return (
    <>
      <button type="button" disabled={action.busy || state === 'PAUSED' || state === 'STOPPED'} onClick={() => void action.run(act('Paused', (n) => connectors.pause(n)))}>
        Pause
      </button>
      <button type="button" disabled={action.busy || state === 'RUNNING'} onClick={() => void action.run(act('Resumed', (n) => connectors.resume(n)))}>
        Resume
      </button>
      <ConfirmButton
        label="Restart…"
        title={`Restart ${c.name}?`}
        body={<p>The connector and its tasks start again; work in flight is redone from the last committed position.</p>}
        confirmLabel="Restart"
        onConfirm={act('Restarted', (n) => connectors.restart(n))}
      />
      <ConfirmButton
        label="Stop…"
        title={`Stop ${c.name}?`}
        body={<p>The connector's tasks are shut down until it is resumed. While stopped, its offsets can be altered or reset.</p>}
        confirmLabel="Stop"
        danger
        disabled={state === 'STOPPED'}
        onConfirm={act('Stopped', (n) => connectors.stop(n))}
      />
      <ErrorNote error={action.error} />
    </>
  );
}

function Connector({ params }: PageProps) {
  const name = params.name!;
  const [notice, setNotice] = useState('');
  const poll = usePoll(async (): Promise<ConnectorView> => {
    const [info, status] = await Promise.all([connectors.get(name), connectors.status(name)]);
    return { name, info, status };
  }, [name]);
  const c = poll.data;
  const trace = lastTrace(c?.status);
  const done = (what: string) => {
    setNotice(`${what} ${name}.`);
    poll.refresh();
  };
  return (
    <Page title={`Connector ${name}`} actions={c && <Controls c={c} onDone={done} />}>
      <p class="crumbs">
        <a href={href('/connectors')}>Connectors</a> / {name}
      </p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorNote error={poll.error} what="Cannot load the connector" />
      {!c ? (
        !poll.error && <Loading />
      ) : (
        <>
          <div class="stats">
            <Stat label="State" value={<StatePill state={c.status?.connector.state} />} {...(isConnectorFailing(c) ? { tone: 'bad' as const } : {})} />
            <Stat label="Type" value={c.info?.type ?? '–'} />
            <Stat label="Class" value={<span class="mono">{connectorClass(c)}</span>} />
            <Stat label="Tasks" value={c.status?.tasks.length ?? 0} />
          </div>
          <h2>Tasks</h2>
          <PagedTable
            caption="Tasks"
            columns={[{ label: 'Task', numeric: true }, { label: 'State' }, { label: 'Worker' }]}
            rows={c.status?.tasks ?? []}
            empty="No tasks."
            row={(t) => (
              <tr key={t.id} class={t.state === 'FAILED' ? 'bad' : ''}>
                <td class="num">{t.id}</td>
                <td>
                  <StatePill state={t.state} />
                </td>
                <td class="mono">{t.worker_id}</td>
              </tr>
            )}
          />
          <h2>Last error</h2>
          {trace ? (
            <details open class="trace">
              <summary>{trace.where} failed</summary>
              <pre>{trace.trace}</pre>
            </details>
          ) : (
            <p class="muted">No error.</p>
          )}
          <h2>Config</h2>
          <PagedTable
            caption="Config"
            columns={[{ label: 'Setting' }, { label: 'Value' }]}
            rows={Object.entries(c.info?.config ?? {}).sort(([a], [b]) => a.localeCompare(b))}
            row={([k, v]) => (
              <tr key={k}>
                <td class="mono">{k}</td>
                <td class="mono">{v}</td>
              </tr>
            )}
          />
        </>
      )}
    </Page>
  );
}

registerPage({ path: '/connectors/:name', title: (p) => `Connector ${p.name}`, component: Connector });
