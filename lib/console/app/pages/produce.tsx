// The produce form: one record with key, value, headers and an optional partition, sent
// as JSON (API.md "Produce"); the answer links to the record in the message browser.
import { useState } from 'preact/hooks';
import type { ProduceRecordInput, RecordEncoding } from '../../../core/wire.ts';
import { admin, records } from '../api.ts';
import { usePoll } from '../live.ts';
import { registerPage, type PageProps } from '../registry.ts';
import { href, seg } from '../router.ts';
import { useAction } from '../ui/action.ts';
import { ErrorNote, Field, Page } from '../ui/common.tsx';
import { KeyValueRows, toObject, type KeyValue } from '../ui/kv.tsx';

interface Sent {
  partition: number;
  offset: number;
}

/** The value as the API takes it under `encoding`: JSON parsed, else the text itself. */
function valueFor(text: string, encoding: RecordEncoding, isNull: boolean): unknown {
  if (isNull) return null;
  if (encoding !== 'json') return text;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`The value is not JSON (${(err as Error).message}); choose "string" to send it as text.`);
  }
}

/** Sends one record; its partition and offset, or the error its partition's append met. */
async function produceOne(topic: string, record: ProduceRecordInput, encoding: RecordEncoding): Promise<Sent> {
  const [result] = await records.produce(topic, [record], { encoding });
  if (!result) throw new Error('The API answered no offset.');
  if ('error' in result) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result;
}

function Produce({ params }: PageProps) {
  const name = params.topic!;
  const topic = usePoll(() => admin.describeTopic(name), [name], null);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [nullValue, setNullValue] = useState(false);
  const [encoding, setEncoding] = useState<RecordEncoding>('json');
  const [headers, setHeaders] = useState<KeyValue[]>([]);
  const [partition, setPartition] = useState('');
  const [sent, setSent] = useState<Sent>();
  const action = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    setSent(undefined);
    void action.run(async () => {
      const record = { key: key === '' ? null : key, value: valueFor(value, encoding, nullValue), headers: toObject(headers) };
      const result = await produceOne(name, partition === '' ? record : { ...record, partition: Number(partition) }, encoding);
      setSent(result);
    });
  };

  return (
    <Page title={`Produce to ${name}`}>
      <p class="crumbs">
        <a href={href('/topics')}>Topics</a> / <a href={href(`/topics/${seg(name)}`)}>{name}</a> / produce
      </p>
      <form onSubmit={submit} aria-label="Produce a record">
        <div class="form-row">
          <Field label="Key" hint="Empty: no key (null)">
            <input name="key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
          </Field>
          <Field label="Encoding" hint="How key, value and headers are written">
            <select name="encoding" value={encoding} onChange={(e) => setEncoding(e.currentTarget.value as RecordEncoding)}>
              <option value="json">JSON value</option>
              <option value="string">String</option>
              <option value="base64">Base64</option>
            </select>
          </Field>
          <Field label="Partition" hint="Default: by key, as Kafka's partitioner">
            <select name="partition" value={partition} onChange={(e) => setPartition(e.currentTarget.value)}>
              <option value="">By key</option>
              {topic.data?.partitions.map((p) => (
                <option key={p.partition} value={String(p.partition)}>
                  {p.partition}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field label="Value">
          <textarea name="value" value={value} disabled={nullValue} onInput={(e) => setValue(e.currentTarget.value)} />
        </Field>
        <label class="actions">
          <input type="checkbox" checked={nullValue} onChange={(e) => setNullValue(e.currentTarget.checked)} /> Null value (a tombstone)
        </label>
        <KeyValueRows legend="Headers" keyLabel="Header" valueLabel="Header value" rows={headers} onChange={setHeaders} />
        <ErrorNote error={action.error} what="Not produced" />
        <p class="actions">
          <button type="submit" class="primary" disabled={action.busy}>
            Produce record
          </button>
          {sent && <SentNotice topic={name} sent={sent} />}
        </p>
      </form>
    </Page>
  );
}

function SentNotice({ topic, sent }: { topic: string; sent: Sent }) {
  return (
    <span class="notice" role="status">
      Produced to partition {sent.partition} at offset {sent.offset}.{' '}
      <a href={href(`/topics/${seg(topic)}/messages`, { partition: sent.partition, from: 'offset', offset: sent.offset })}>View it</a>
    </span>
  );
}

registerPage({ path: '/topics/:topic/produce', title: (p) => `Produce to ${p.topic}`, component: Produce });
