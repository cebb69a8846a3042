// Small building blocks every page uses: headings, stats, errors, a confirmation dialog,
// a paged table and form fields. Native elements first (dialog, details, label), so
// keyboard use and screen readers work without extra code.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { isSluiceError } from '../../../core/errors.ts';
import { useAction } from './action.ts';

export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Sluice console`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Stat({ label, value, tone }: { label: string; value: ComponentChildren; tone?: 'warn' | 'bad' }) {
  return (
    <div class={`stat${tone ? ` ${tone}` : ''}`}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
    </div>
  );
}

/** What went wrong, with the API's Kafka-style code. */
export function ErrorNote({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  const text = isSluiceError(error) ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
  return (
    <p class="error" role="alert">
      {what ? `${what}: ` : ''}
      {text}
    </p>
  );
}

export function Loading() {
  return <p class="muted" aria-busy="true">Loading…</p>;
}

/**
 * A button that asks before acting, in a modal dialog. With `typeToConfirm`, the user
 * types that text (a topic's name) to enable the action.
 */
export function ConfirmButton(props: {
  label: string;
  title: string;
  body: ComponentChildren;
  confirmLabel: string;
  typeToConfirm?: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => Promise<void>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const action = useAction();
  const open = () => {
    setTyped('');
    dialog.current?.showModal();
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    if (await action.run(props.onConfirm)) dialog.current?.close();
  };
  const ready = props.typeToConfirm === undefined || typed === props.typeToConfirm;
  return (
    <>
      <button type="button" class={props.danger ? 'danger' : ''} disabled={props.disabled} onClick={open}>
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby="confirm-title">
        <form method="dialog" onSubmit={confirm}>
          <h2 id="confirm-title">{props.title}</h2>
          <div>{props.body}</div>
          {props.typeToConfirm !== undefined && (
            <Field label={`Type ${props.typeToConfirm} to confirm`}>
              <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
            </Field>
          )}
          <ErrorNote error={action.error} />
          <div class="actions">
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={!ready || action.busy}>
              {props.confirmLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** A labelled form control; the label wraps the control, so it needs no ids. */
export function Field({ label, hint, children }: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint && <span class="field-hint">{hint}</span>}
    </label>
  );
}

/**
 * A table shown a page at a time, so a list of thousands never freezes the page: only
 * `pageSize` rows are ever rendered.
 */
export function PagedTable<T>(props: {
  caption: string;
  columns: { label: string; numeric?: boolean }[];
  rows: readonly T[];
  row: (item: T) => ComponentChildren;
  pageSize?: number;
  empty?: string;
}) {
  const size = props.pageSize ?? 50;
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(props.rows.length / size));
  const at = Math.min(page, pages - 1);
  const shown = props.rows.slice(at * size, at * size + size);
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col" class={c.numeric ? 'num' : ''} key={c.label}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map(props.row)}
          {shown.length === 0 && (
            <tr>
              <td colSpan={props.columns.length} class="muted">
                {props.empty ?? 'None.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {pages > 1 && (
        <nav class="pager" aria-label={`${props.caption} pages`}>
          <button type="button" disabled={at === 0} onClick={() => setPage(at - 1)}>
            Previous
          </button>
          <span>
            Page {at + 1} of {pages} ({props.rows.length} rows)
          </span>
          <button type="button" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>
            Next
          </button>
        </nav>
      )}
    </div>
  );
}
