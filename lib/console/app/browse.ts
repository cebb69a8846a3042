// The message browser's reading: where each partition starts (earliest, newest, an
// offset, a time), filters on key, value and headers, and scanning forward page by page
// until enough records match. Pure of the DOM: the SDK calls come in as functions.
import type { FetchResponse, JsonRecord } from '../../client/types.ts';
import type { PartitionDescription } from '../../client/types.ts';
import { searchableText } from './format.ts';

export type StartAt = 'earliest' | 'newest' | 'offset' | 'timestamp';

export interface BrowseQuery {
  /** undefined: every partition. */
  partition?: number;
  from: StartAt;
  offset?: number;
  timestamp?: number;
  key: string;
  value: string;
  header: string;
}

export interface BrowsedRecord extends JsonRecord {
  partition: number;
}

/** Records shown per "load more", and read at most per load while filtering. */
export const PAGE_SIZE = 50;
export const SCAN_LIMIT = 5_000;

export function parseBrowseQuery(q: URLSearchParams): BrowseQuery {
  const int = (v: string | null) => (v !== null && /^\d+$/.test(v) ? Number(v) : undefined);
  const from = q.get('from');
  const partition = int(q.get('partition'));
  const offset = int(q.get('offset'));
  const timestamp = int(q.get('timestamp'));
  return {
    ...(partition !== undefined ? { partition } : {}),
    from: from === 'earliest' || from === 'offset' || from === 'timestamp' ? from : offset !== undefined ? 'offset' : 'newest',
    ...(offset !== undefined ? { offset } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
    key: q.get('key') ?? '',
    value: q.get('value') ?? '',
    header: q.get('header') ?? '',
  };
}

/** Whether a record passes the filters: each non-empty one is a case-insensitive substring. */
export function matches(r: JsonRecord, q: Pick<BrowseQuery, 'key' | 'value' | 'header'>): boolean {
  const has = (text: string, want: string) => !want || text.toLowerCase().includes(want.toLowerCase());
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}=${v ?? ''}`).join('\n');
  return has(searchableText(r.key), q.key) && has(searchableText(r.value), q.value) && has(headers, q.header);
}

/** Where one partition's reading starts for the query. */
export async function startOffset(
  q: BrowseQuery,
  p: PartitionDescription,
  offsetAtTime: (partition: number, ms: number) => Promise<number>,
): Promise<number> {
  switch (q.from) {
    case 'earliest':
      return p.logStartOffset;
    case 'newest':
      return Math.max(p.logStartOffset, p.highWatermark - PAGE_SIZE);
    case 'offset':
      return q.offset ?? p.logStartOffset;
    case 'timestamp':
      return q.timestamp === undefined ? p.logStartOffset : offsetAtTime(p.partition, q.timestamp);
  }
}

export interface Cursor {
  partition: number;
  next: number;
  /** Reached the high watermark seen when reading. */
  done: boolean;
}

/**
 * Reads forward from the cursors until `PAGE_SIZE` records match or `SCAN_LIMIT` were
 * read or every partition is at its end; returns the matches and the advanced cursors.
 */
export async function scan(
  q: BrowseQuery,
  cursors: Cursor[],
  fetchPage: (partition: number, offset: number) => Promise<FetchResponse>,
): Promise<{ found: BrowsedRecord[]; cursors: Cursor[]; scanned: number }> {
  const found: BrowsedRecord[] = [];
  let scanned = 0;
  const state = cursors.map((c) => ({ ...c }));
  while (found.length < PAGE_SIZE && scanned < SCAN_LIMIT) {
    const open = state.filter((c) => !c.done);
    if (open.length === 0) break;
    const pages = await Promise.all(open.map((c) => fetchPage(c.partition, c.next)));
    pages.forEach((page, i) => {
      const c = open[i]!;
      scanned += page.records.length;
      for (const r of page.records) if (matches(r, q)) found.push({ ...r, partition: c.partition });
      c.next = Math.max(c.next, page.nextOffset);
      c.done = page.records.length === 0 || c.next >= page.highWatermark;
    });
  }
  found.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  return { found, cursors: state, scanned };
}
