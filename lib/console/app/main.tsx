// The web console's entry: the layout (skip link, navigation built from the page
// registry, main region) and the page for the current URL. Every page registers itself
// (registry.ts); `console:pages` imports them all (lib/console/server/build.ts).
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import 'console:pages';
import './styles.css';
import { findPage, navPages } from './registry.ts';
import { href, interceptLinks, useLocation } from './router.ts';
import { Page } from './ui/common.tsx';

function isActive(navPath: string, path: string): boolean {
  return navPath === '/' ? path === '/' : path === navPath || path.startsWith(`${navPath}/`);
}

function App() {
  const loc = useLocation();
  const found = findPage(loc.path);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a navigation, move focus to the new page's heading, as a page load would.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('#page-title')?.focus();
  }, [loc.path]);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('/')}>
          Sluice
        </a>
        <nav aria-label="Main">
          <ul>
            {navPages().map((p) => (
              <li key={p.path}>
                <a href={href(p.path)} aria-current={isActive(p.path, loc.path) ? 'page' : undefined}>
                  {p.nav!.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {found ? (
          <found.page.component key={loc.path} params={found.params} query={loc.query} />
        ) : (
          <Page title="Not found">
            <p>
              Nothing here. Go to the <a href={href('/')}>overview</a>.
            </p>
          </Page>
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app')!;
interceptLinks(document.body);
render(<App />, root);
