// Rows of name/value inputs (topic configs, record headers), with add and remove.
import { Field } from './common.tsx';

export interface KeyValue {
  key: string;
  value: string;
}

export function KeyValueRows(props: {
  legend: string;
  keyLabel: string;
  valueLabel: string;
  rows: KeyValue[];
  onChange: (rows: KeyValue[]) => void;
  /** Suggestions for the name (a datalist). */
  suggestions?: string[];
}) {
  const listId = `kv-${props.legend.replace(/\W+/g, '-').toLowerCase()}`;
  const set = (i: number, part: Partial<KeyValue>) => props.onChange(props.rows.map((r, j) => (j === i ? { ...r, ...part } : r)));
  return (
    <fieldset class="kv-rows">
      <legend>{props.legend}</legend>
      {props.suggestions && (
        <datalist id={listId}>
          {props.suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
      {props.rows.map((r, i) => (
        <div class="form-row" key={i}>
          <Field label={`${props.keyLabel} ${i + 1}`}>
            <input value={r.key} list={props.suggestions ? listId : undefined} onInput={(e) => set(i, { key: e.currentTarget.value })} />
          </Field>
          <Field label={`${props.valueLabel} ${i + 1}`}>
            <input value={r.value} onInput={(e) => set(i, { value: e.currentTarget.value })} />
          </Field>
          <button type="button" aria-label={`Remove ${props.keyLabel.toLowerCase()} ${i + 1}`} onClick={() => props.onChange(props.rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => props.onChange([...props.rows, { key: '', value: '' }])}>
        Add {props.keyLabel.toLowerCase()}
      </button>
    </fieldset>
  );
}

/** The rows with a name, as an object (later rows win). */
export function toObject(rows: KeyValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim()) out[r.key.trim()] = r.value;
  return out;
}
