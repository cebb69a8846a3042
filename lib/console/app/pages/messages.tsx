// The message browser: pick partitions and where to start (earliest, newest, an offset,
// a time), filter by key, value or header, read JSON pretty-printed and binary as hex or
// base64, load more, and link to any record (the URL holds the whole query).
import { useEffect, useState } from 'preact/hooks';
import type { TopicDescription } from '../../../client/types.ts';
import { admin, records } from '../api.ts';
import { PAGE_SIZE, parseBrowseQuery, scan, startOffset, type BrowsedRecord, type BrowseQuery, type Cursor } from '../browse.ts';
import { formatTime, renderValue, type BinaryView } from '../format.ts';
import { registerPage, type PageProps } from '../registry.ts';
import { href, navigate, seg } from '../router.ts';
import { useAction } from '../ui/action.ts';
import { ErrorNote, Field, Loading, Page } from '../ui/common.tsx';

interface Browse {
  topic: TopicDescription | undefined;
  found: BrowsedRecord[];
  scanned: number;
  busy: boolean;
  error: unknown;
  /** Whether a partition has records left to read. */
  more: boolean;
  loadMore: () => void;
}

/** Reads for one query (the page is mounted afresh per query): place the cursors, read a page, and on. */
function useBrowse(name: string, q: BrowseQuery): Browse {
  const [topic, setTopic] = useState<TopicDescription>();
  const [found, setFound] = useState<BrowsedRecord[]>([]);
  const [cursors, setCursors] = useState<Cursor[]>([]);
  const [scanned, setScanned] = useState(0);
  const action = useAction();
  // Unfiltered, a page per partition is all we show; filtered, read further per call.
  const filtered = Boolean(q.key || q.value || q.header);
  const fetchPage = (partition: number, offset: number) => records.fetch(name, partition, { offset, maxRecords: filtered ? 500 : PAGE_SIZE });
  const read = async (from: Cursor[]) => {
    const out = await scan(q, from, fetchPage);
    setFound((prev) => [...prev, ...out.found]);
    setCursors(out.cursors);
    setScanned((n) => n + out.scanned);
  };

  useEffect(() => {
    void action.run(async () => {
      const t = await admin.describeTopic(name);
      setTopic(t);
      const parts = t.partitions.filter((p) => q.partition === undefined || p.partition === q.partition);
      const starts = await Promise.all(parts.map((p) => startOffset(q, p, (partition, ms) => admin.listOffsets(name, partition, ms))));
      await read(parts.map((p, i) => ({ partition: p.partition, next: starts[i]!, done: starts[i]! >= p.highWatermark })));
    });
  }, []);

  return {
    topic,
    found,
    scanned,
    busy: action.busy,
    error: action.error,
    more: cursors.some((c) => !c.done),
    loadMore: () => void action.run(() => read(cursors)),
  };
}

function Messages({ params, query }: PageProps) {
  const name = params.topic!;
  const q = parseBrowseQuery(query);
  const view: BinaryView = query.get('view') === 'base64' ? 'base64' : 'hex';
  const b = useBrowse(name, q);
  const linked = q.from === 'offset' && q.partition !== undefined ? { partition: q.partition, offset: q.offset } : undefined;
  return (
    <Page title={`Messages in ${name}`} actions={<a class="button" href={href(`/topics/${seg(name)}/produce`)}>Produce</a>}>
      <p class="crumbs">
        <a href={href('/topics')}>Topics</a> / <a href={href(`/topics/${seg(name)}`)}>{name}</a> / messages
      </p>
      <QueryForm name={name} q={q} view={view} topic={b.topic} />
      <ErrorNote error={b.error} what="Cannot read records" />
      <p class="muted" role="status">
        {b.busy ? 'Reading…' : `${b.found.length} record${b.found.length === 1 ? '' : 's'} shown, ${b.scanned} read.`}
      </p>
      <RecordsTable found={b.found} topic={name} view={view} linked={linked} />
      {b.busy && <Loading />}
      {b.more && !b.busy && (
        <button type="button" onClick={b.loadMore}>
          Load more
        </button>
      )}
    </Page>
  );
}

function RecordsTable(props: { found: BrowsedRecord[]; topic: string; view: BinaryView; linked?: { partition: number; offset: number | undefined } | undefined }) {
  return (
    <div class="table-wrap messages">
      <table>
        <caption class="visually-hidden">Records</caption>
        <thead>
          <tr>
            <th scope="col" class="num">Partition</th>
            <th scope="col" class="num">Offset</th>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            <th scope="col">Headers</th>
          </tr>
        </thead>
        <tbody>
          {props.found.map((r) => (
            <Record key={`${r.partition}/${r.offset}`} r={r} topic={props.topic} view={props.view} linked={r.partition === props.linked?.partition && r.offset === props.linked.offset} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function QueryForm({ name, q, view, topic }: { name: string; q: BrowseQuery; view: BinaryView; topic: TopicDescription | undefined }) {
  const [form, setForm] = useState({
    partition: q.partition === undefined ? '' : String(q.partition),
    from: q.from as string,
    offset: q.offset === undefined ? '' : String(q.offset),
    time: q.timestamp === undefined ? '' : new Date(q.timestamp).toISOString().slice(0, 16),
    key: q.key,
    value: q.value,
    header: q.header,
    view: view as string,
  });
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    navigate(
      href(`/topics/${seg(name)}/messages`, {
        partition: form.partition,
        from: form.from,
        offset: form.from === 'offset' ? form.offset : '',
        timestamp: form.from === 'timestamp' && form.time ? Date.parse(`${form.time}Z`) : '',
        key: form.key,
        value: form.value,
        header: form.header,
        view: form.view === 'base64' ? 'base64' : '',
      }),
    );
  };
  return (
    <form class="card" onSubmit={submit} aria-label="Find records">
      <div class="form-row">
        <Field label="Partition">
          <select name="partition" value={form.partition} onChange={set('partition')}>
            <option value="">All partitions</option>
            {topic?.partitions.map((p) => (
              <option key={p.partition} value={String(p.partition)}>
                {p.partition}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Start at">
          <select name="from" value={form.from} onChange={set('from')}>
            <option value="newest">Newest</option>
            <option value="earliest">Earliest</option>
            <option value="offset">Offset</option>
            <option value="timestamp">Time (UTC)</option>
          </select>
        </Field>
        {form.from === 'offset' && (
          <Field label="Offset">
            <input name="offset" type="number" min={0} value={form.offset} onInput={set('offset')} />
          </Field>
        )}
        {form.from === 'timestamp' && (
          <Field label="Time (UTC)">
            <input name="time" type="datetime-local" value={form.time} onInput={set('time')} />
          </Field>
        )}
      </div>
      <FilterFields form={form} set={set} />
    </form>
  );
}

/** Key, value and header filters, how to show binary, and the submit button. */
function FilterFields({ form, set }: { form: Record<'key' | 'value' | 'header' | 'view', string>; set: (k: 'key' | 'value' | 'header' | 'view') => (e: Event) => void }) {
  return (
    <div class="form-row">
      <Field label="Key contains">
        <input name="key" value={form.key} onInput={set('key')} />
      </Field>
      <Field label="Value contains">
        <input name="value" value={form.value} onInput={set('value')} />
      </Field>
      <Field label="Header contains" hint="Matched against name=value">
        <input name="header" value={form.header} onInput={set('header')} />
      </Field>
      <Field label="Binary shown as">
        <select name="view" value={form.view} onChange={set('view')}>
          <option value="hex">Hex</option>
          <option value="base64">Base64</option>
        </select>
      </Field>
      <p>
        <button type="submit" class="primary">
          Find records
        </button>
      </p>
    </div>
  );
}

/** One record as a table row; the offset is its permalink. */
function Record({ r, topic, view, linked }: { r: BrowsedRecord; topic: string; view: BinaryView; linked: boolean }) {
  const key = renderValue(r.key, r.keyEncoding === 'base64', view);
  const value = renderValue(r.value, r.valueEncoding === 'base64', view);
  const headers = Object.entries(r.headers);
  const permalink = href(`/topics/${seg(topic)}/messages`, { partition: r.partition, from: 'offset', offset: r.offset });
  return (
    <tr class={`record${linked ? ' linked' : ''}`} data-partition={r.partition} data-offset={r.offset}>
      <td class="num">{r.partition}</td>
      <td class="num">
        <a href={permalink} aria-label={`Permalink to partition ${r.partition} offset ${r.offset}`}>
          {r.offset}
        </a>
      </td>
      <td class="nowrap">{formatTime(r.timestamp)}</td>
      <td>
        <pre class={`record-key ${key.kind}`}>{key.text}</pre>
      </td>
      <td>
        {value.kind === 'binary' && <span class="pill">{view}</span>}
        <pre class={`record-value ${value.kind}`}>{value.text}</pre>
      </td>
      <td>
        {headers.length > 0 && <pre class="record-headers">{headers.map(([k, v]) => `${k}=${v ?? 'null'}`).join('\n')}</pre>}
        {r.headerEncoding === 'base64' && <span class="pill">base64</span>}
      </td>
    </tr>
  );
}

/** A new query (a search, a permalink) starts from a clean page, never showing the last one's rows. */
function MessagesPage(props: PageProps) {
  return <Messages key={props.query.toString()} {...props} />;
}

registerPage({ path: '/topics/:topic/messages', title: (p) => `Messages in ${p.topic}`, component: MessagesPage });
