// The page registry. Every file in pages/ registers its pages here when imported, and
// the build imports every file in pages/ (lib/console/server/build.ts), so a feature adds
// its console pages (say, processors or connectors) by adding one file: its routes, its
// place in the navigation and, optionally, a card on the overview.
import type { ComponentType } from 'preact';
import { matchPath } from './paths.ts';

export interface PageProps {
  /** The path's :name segments, decoded. */
  params: Record<string, string>;
  /** The query string of the current location. */
  query: URLSearchParams;
}

export interface PageDefinition {
  /** Path below /console with :name segments, e.g. '/topics/:topic'; '/' is the overview. */
  path: string;
  /** Shown in the tab title and as the page's heading. */
  title: (params: Record<string, string>) => string;
  component: ComponentType<PageProps>;
  /** A link in the navigation, ordered by `order`. */
  nav?: { label: string; order: number };
  /** A card on the overview: counts, and what is failing, highlighted. */
  overviewCard?: ComponentType;
}

const pages: PageDefinition[] = [];

export function registerPage(page: PageDefinition): void {
  if (pages.some((p) => p.path === page.path)) throw new Error(`Two console pages for ${page.path}`);
  pages.push(page);
}

/** Pages with a navigation link, in order. */
export function navPages(): PageDefinition[] {
  return pages.filter((p) => p.nav).sort((a, b) => a.nav!.order - b.nav!.order);
}

/** Overview cards, in navigation order. */
export function overviewCards(): ComponentType[] {
  return [...pages]
    .sort((a, b) => (a.nav?.order ?? 1e9) - (b.nav?.order ?? 1e9))
    .flatMap((p) => (p.overviewCard ? [p.overviewCard] : []));
}

/** The page for a path below /console, and its parameters. */
export function findPage(path: string): { page: PageDefinition; params: Record<string, string> } | undefined {
  for (const page of pages) {
    const params = matchPath(page.path, path);
    if (params) return { page, params };
  }
  return undefined;
}
