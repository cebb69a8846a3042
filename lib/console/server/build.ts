// Builds the web console (lib/console/app) with esbuild, once per process, in memory: the
// first request for /console pays about a second, later ones are served from the cache.
// Nothing built is written to disk or committed. Pages are found on disk: every file in
// app/pages/ registers itself (app/registry.ts), and the virtual module `console:pages`
// generated here imports them all, so adding a page is adding one file.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'app');
const PAGES_DIR = join(APP_DIR, 'pages');
/** Where the built files are served from. */
export const ASSET_PREFIX = '/console/assets/';

export interface Asset {
  /** Path below /console/assets/, content-hashed, e.g. main-3KX2A7.js. */
  name: string;
  contentType: string;
  body: Buffer;
  /** The same body, gzip-compressed (served when the client accepts gzip). */
  gzip: Buffer;
}

export interface ConsoleBuild {
  /** The one page, for every /console path (routing happens in the browser). */
  indexHtml: string;
  assets: Map<string, Asset>;
  /** The entry script and stylesheet, as linked from indexHtml. */
  script: Asset;
  style: Asset;
}

let cached: Promise<ConsoleBuild> | undefined;

/** The console, built on first call and cached for the life of the process. */
export function consoleBuild(): Promise<ConsoleBuild> {
  cached ??= buildConsole().catch((err: unknown) => {
    cached = undefined; // a failed build is tried again on the next request
    throw err;
  });
  return cached;
}

/** The page files, in a stable order: every .tsx file of app/pages. */
export function pageFiles(): string[] {
  return readdirSync(PAGES_DIR)
    .filter((f) => f.endsWith('.tsx'))
    .sort();
}

async function buildConsole(): Promise<ConsoleBuild> {
  // Loaded on first use: the dev server starts without paying for esbuild.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { main: join(APP_DIR, 'main.tsx') },
    bundle: true,
    write: false,
    outdir: '/console-out',
    entryNames: '[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'silent',
    plugins: [
      {
        name: 'console-pages',
        setup(build) {
          build.onResolve({ filter: /^console:pages$/ }, () => ({ path: 'console:pages', namespace: 'console-pages' }));
          build.onLoad({ filter: /.*/, namespace: 'console-pages' }, () => ({
            contents: pageFiles()
              .map((f) => `import ${JSON.stringify(join(PAGES_DIR, f))};`)
              .join('\n'),
            resolveDir: PAGES_DIR,
            loader: 'js',
          }));
        },
      },
    ],
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const body = Buffer.from(file.contents);
    const contentType = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(name, { name, contentType, body, gzip: gzipSync(body, { level: 9 }) });
  }
  const find = (ext: string) => [...assets.values()].find((a) => a.name.startsWith('main-') && a.name.endsWith(ext));
  const script = find('.js');
  const style = find('.css');
  if (!script || !style) throw new Error('The console build produced no script or stylesheet.');
  return { indexHtml: indexHtml(script, style), assets, script, style };
}

function indexHtml(script: Asset, style: Asset): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Sluice console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PREFIX}${style.name}">
<script type="module" src="${ASSET_PREFIX}${script.name}"></script>
</head>
<body>
<noscript>The Sluice console needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`;
}
