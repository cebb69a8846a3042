// How every Sluice Lambda is bundled: ONE description, two renderings. The construct
// hands `nodejsBundlingOptions()` to NodejsFunction (which runs the esbuild CLI, locally,
// never Docker); tests and tooling call esbuild's JS API with `esbuildBuildOptions()`.
// Both are derived from LAMBDA_BUNDLE, and test/cdk checks that the two produce
// byte-identical code, so the bundle we test is the bundle we deploy.
import { fileURLToPath } from 'node:url';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root: functions/ and package-lock.json live here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/**
 * ESM output still meets CommonJS dependencies that call `require` (the AWS SDK's
 * transitive deps, for one). esbuild's ESM output has no `require`, so give it one.
 * The import is aliased so it cannot collide with a bundled top-level `createRequire`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __sluiceCreateRequire } from 'node:module';const require = __sluiceCreateRequire(import.meta.url);";

export const LAMBDA_BUNDLE = {
  /** Lambda runs nodejs22.x; esbuild may emit anything Node 22 understands. */
  target: 'node22',
  format: 'esm',
  minify: true,
  /**
   * Class names survive minification: errors set `this.name = new.target.name`, and a
   * log line saying `InvalidTopicError` beats one saying `e`.
   */
  keepNames: true,
  /** Linked `index.mjs.map`; NODE_OPTIONS=--enable-source-maps maps stack traces. */
  sourceMap: true,
  /** The map needs names and lines, not a second copy of the sources. */
  sourcesContent: false,
  /** Prefer packages' ESM builds: smaller, and they tree-shake (AWS SDK v3 ships both). */
  mainFields: ['module', 'main'] as string[],
  banner: ESM_REQUIRE_BANNER,
  /**
   * Nothing is external: the two SDK clients we use are bundled (tree-shaken) so the
   * deployed code runs the SDK version the tests ran, not whatever the runtime ships.
   */
  externalModules: [] as string[],
  /** NodejsFunction names an ESM bundle `index.mjs`; the handler is `index.handler`. */
  outFile: 'index.mjs',
} as const;

/** Options for aws-lambda-nodejs's NodejsFunction `bundling` prop. */
export function nodejsBundlingOptions(): BundlingOptions {
  return {
    target: LAMBDA_BUNDLE.target,
    format: OutputFormat.ESM,
    minify: LAMBDA_BUNDLE.minify,
    keepNames: LAMBDA_BUNDLE.keepNames,
    sourceMap: LAMBDA_BUNDLE.sourceMap,
    sourcesContent: LAMBDA_BUNDLE.sourcesContent,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: LAMBDA_BUNDLE.banner,
    externalModules: [...LAMBDA_BUNDLE.externalModules],
    // esbuild is a workspace package: bundle locally, offline, without Docker.
    forceDockerBundling: false,
    logLevel: LogLevel.WARNING,
  };
}

/**
 * The same bundle through esbuild's JS API: `entry` is absolute (or relative to the
 * working directory), `outdir` receives `index.mjs` and `index.mjs.map`.
 */
export function esbuildBuildOptions(entry: string, outdir: string): BuildOptions & { outfile: string } {
  return {
    entryPoints: [entry],
    outfile: `${outdir}/${LAMBDA_BUNDLE.outFile}`,
    bundle: true,
    platform: 'node',
    target: LAMBDA_BUNDLE.target,
    format: LAMBDA_BUNDLE.format,
    minify: LAMBDA_BUNDLE.minify,
    keepNames: LAMBDA_BUNDLE.keepNames,
    sourcemap: LAMBDA_BUNDLE.sourceMap,
    sourcesContent: LAMBDA_BUNDLE.sourcesContent,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    external: [...LAMBDA_BUNDLE.externalModules],
    logLevel: 'warning',
    metafile: true,
  };
}
