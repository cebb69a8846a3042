// Topics: the list (searchable, paged), creating a topic with partitions and configs, and
// deleting one after typing its name. Also the topics card of the overview.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { TopicDescription } from '../../../client/types.ts';
import { admin, describeAllTopics } from '../api.ts';
import { formatBytes, formatCount } from '../format.ts';
import { usePoll } from '../live.ts';
import { registerPage } from '../registry.ts';
import { href, navigate, seg } from '../router.ts';
import { appended } from '../sampling.ts';
import { useAction } from '../ui/action.ts';
import { ConfirmButton, ErrorNote, Field, Loading, Page, PagedTable } from '../ui/common.tsx';
import { KeyValueRows, toObject, type KeyValue } from '../ui/kv.tsx';

const topicSize = (t: { partitions: { sizeBytes: number }[] }) => t.partitions.reduce((n, p) => n + p.sizeBytes, 0);

const TOPIC_COLUMNS = [{ label: 'Topic' }, { label: 'Partitions', numeric: true }, { label: 'Records appended', numeric: true }, { label: 'Size', numeric: true }];

/** A topic's row: name (linked), partitions, records appended, size, then any extra cells. */
function TopicRow({ t, children }: { t: TopicDescription; children?: ComponentChildren }) {
  return (
    <tr>
      <td>
        <a href={href(`/topics/${seg(t.name)}`)}>{t.name}</a>
      </td>
      <td class="num">{t.partitions.length}</td>
      <td class="num">{formatCount(appended(t))}</td>
      <td class="num">{formatBytes(topicSize(t))}</td>
      {children}
    </tr>
  );
}

function Topics() {
  const [search, setSearch] = useState('');
  const poll = usePoll(describeAllTopics, []);
  const topics = (poll.data ?? []).filter((t) => t.name.toLowerCase().includes(search.trim().toLowerCase()));
  const configNames = Object.keys(poll.data?.[0]?.config ?? {});
  return (
    <Page title="Topics">
      <CreateTopic configNames={configNames} onCreated={poll.refresh} />
      <h2>All topics</h2>
      <Field label="Search topics">
        <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="name contains…" />
      </Field>
      <ErrorNote error={poll.error} what="Cannot list topics" />
      {poll.data === undefined && !poll.error ? (
        <Loading />
      ) : (
        <PagedTable
          caption="Topics"
          columns={[...TOPIC_COLUMNS, { label: 'Actions' }]}
          rows={topics}
          empty={search ? 'No topic matches.' : 'No topics yet.'}
          row={(t) => (
            <TopicRow key={t.name} t={t}>
              <td class="actions">
                <a href={href(`/topics/${seg(t.name)}/messages`)}>Messages</a>
                <a href={href(`/topics/${seg(t.name)}/produce`)}>Produce</a>
                <DeleteTopic name={t.name} before={poll.pause} onDeleted={poll.refresh} />
              </td>
            </TopicRow>
          )}
        />
      )}
    </Page>
  );
}

/** Delete with confirmation; `before` stops the page's polling of what is about to go. */
export function DeleteTopic({ name, before, onDeleted }: { name: string; before: () => Promise<void>; onDeleted: () => void }) {
  return (
    <ConfirmButton
      label="Delete…"
      title={`Delete topic ${name}?`}
      body={<p>Its records are removed in the background. This cannot be undone.</p>}
      confirmLabel="Delete topic"
      typeToConfirm={name}
      danger
      onConfirm={async () => {
        await before();
        await admin.deleteTopic(name);
        onDeleted();
      }}
    />
  );
}

function CreateTopic({ configNames, onCreated }: { configNames: string[]; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [config, setConfig] = useState<KeyValue[]>([]);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const created = await admin.createTopic({ name: name.trim(), partitions: Number(partitions), config: toObject(config) });
      onCreated();
      navigate(href(`/topics/${seg(created.name)}`));
    });
  };
  return (
    <details class="card">
      <summary>Create a topic</summary>
      <form onSubmit={submit} aria-label="Create a topic">
        <div class="form-row">
          <Field label="Name" hint="Letters, digits, . _ - (up to 249)">
            <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="Partitions">
            <input name="partitions" type="number" min={1} max={10000} required value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} />
          </Field>
        </div>
        <KeyValueRows legend="Configs" keyLabel="Config" valueLabel="Value" rows={config} onChange={setConfig} suggestions={configNames} />
        <ErrorNote error={action.error} />
        <p>
          <button type="submit" class="primary" disabled={action.busy}>
            Create topic
          </button>
        </p>
      </form>
    </details>
  );
}

function TopicsCard() {
  const poll = usePoll(describeAllTopics, []);
  const largest = [...(poll.data ?? [])].sort((a, b) => topicSize(b) - topicSize(a)).slice(0, 8);
  return (
    <section class="card" aria-labelledby="card-topics">
      <h2 id="card-topics">
        <a href={href('/topics')}>Topics</a>
      </h2>
      <PagedTable
        caption="Largest topics"
        columns={TOPIC_COLUMNS}
        rows={largest}
        empty="No topics yet."
        row={(t) => <TopicRow key={t.name} t={t} />}
      />
    </section>
  );
}

registerPage({ path: '/topics', title: () => 'Topics', component: Topics, nav: { label: 'Topics', order: 10 }, overviewCard: TopicsCard });
