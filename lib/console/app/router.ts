// Client-side routing under /console with the History API: real links (so keyboard use,
// middle-click and copying a permalink all work), intercepted to render without a reload.
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';
const EVENT = 'console:navigate';

/** A console URL for a path below /console and optional query values (empty ones dropped). */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `${BASE}${path === '/' ? '' : path}${s ? `?${s}` : ''}`;
}

/** Path segment for a name (topic, group, subscription). */
export const seg = (name: string): string => encodeURIComponent(name);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

export interface Location {
  /** Below /console, always starting with '/'. */
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return { path: p || '/', query: new URLSearchParams(location.search) };
}

/** The current location, re-rendering on navigation and on back/forward. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return loc;
}

/** Turns plain clicks on console links into client-side navigation. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.getAttribute('href')?.startsWith('#')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !(url.pathname === BASE || url.pathname.startsWith(`${BASE}/`))) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
}
