// How values are written on screen: sizes, counts, rates, times, and record bytes (JSON
// pretty-printed, binary as hex or base64). Pure code, shared by every page.

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const counts = new Intl.NumberFormat('en-US');
export const formatCount = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : counts.format(n));

export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return '–';
  return `${perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1)}/s`;
}

export const formatTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');

/** Bytes from standard base64. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Hex dump: 16 bytes per line, offset, hex pairs. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${i.toString(16).padStart(8, '0')}  ${row}`);
  }
  return lines.join('\n');
}

export type BinaryView = 'hex' | 'base64';

/**
 * A key or value as the fetch API rendered it (encoding=json): JSON values pretty-printed,
 * strings as they are, base64 (binary) as hex or base64 as the user chose.
 */
export function renderValue(value: unknown, base64: boolean, view: BinaryView): { text: string; kind: 'null' | 'json' | 'text' | 'binary' } {
  if (value === null || value === undefined) return { text: 'null', kind: 'null' };
  if (base64 && typeof value === 'string') return { text: view === 'hex' ? hexDump(base64ToBytes(value)) : value, kind: 'binary' };
  if (typeof value === 'string') return { text: value, kind: 'text' };
  return { text: JSON.stringify(value, null, 2), kind: 'json' };
}

/** The text a filter matches a key or value against (JSON compact, binary as base64). */
export function searchableText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * What "high watermark − log start" counts for a topic. For a delete-only topic that is
 * its records; compaction removes records without moving the log start, so on a
 * compacted topic it is only the offsets spanned, an upper bound of the records held.
 */
export function offsetSpanLabel(config: Record<string, string>): 'Records' | 'Offsets spanned' {
  return (config['cleanup.policy'] ?? '').split(',').some((p) => p.trim() === 'compact') ? 'Offsets spanned' : 'Records';
}
