// Cold start: the health function's bundle must not pull in the AWS SDK or storage code,
// and the storage-backed functions must bundle at all (esbuild, as the CDK app does).
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;

async function inputs(entry: string): Promise<{ files: string[]; bytes: number }> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    write: false,
    metafile: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
  return { files: Object.keys(result.metafile.inputs), bytes: result.outputFiles[0]!.contents.length };
}

describe('function bundles', () => {
  it('health has no AWS SDK, storage, log or zod in it', async () => {
    const { files, bytes } = await inputs('functions/health.ts');
    expect(files.filter((f) => /@aws-sdk|@smithy|lib\/storage|lib\/log|lib\/records|\/zod\//.test(f))).toEqual([]);
    expect(bytes).toBeLessThan(150_000);
  });

  it.each(['admin', 'produce', 'fetch'])('%s bundles', async (fn) => {
    const { files } = await inputs(`functions/${fn}.ts`);
    expect(files.some((f) => f.includes('lib/runtime/http.ts'))).toBe(true);
  });

  // Each function imports its own operations module, never the map of all of them
  // (lib/api/operations/index.ts, for the dev server through lib/local/apiGateway.ts):
  // admin must not carry produce's code.
  it.each([
    ['admin', 'topics'],
    ['produce', 'produce'],
    ['fetch', 'fetch'],
    ['groups', 'groups'],
    ['maintenance', 'maintenance'],
    ['subscriptions', 'subscriptions'],
  ])('%s carries its own operations only', async (fn, own) => {
    const { files } = await inputs(`functions/${fn}.ts`);
    const operations = files.filter((f) => /lib\/api\/operations\/|lib\/local\/apiGateway\.ts/.test(f));
    // fetch's operations include the multi-partition fetch, a module of its own.
    const expected = own === 'fetch' ? ['lib/api/operations/multiFetch.ts', 'lib/api/operations/fetch.ts'] : [`lib/api/operations/${own}.ts`];
    expect([...operations].sort()).toEqual([...expected].sort());
  });

  it.each(['admin', 'subscriptions'])('%s (no bucket access) carries no S3 client and no log data path', async (fn) => {
    const { files } = await inputs(`functions/${fn}.ts`);
    expect(files.filter((f) => /@aws-sdk\/client-s3|lib\/storage\/(clients|segments)\.ts|lib\/log\/index\.ts/.test(f))).toEqual([]);
  });

  it('zod classic is in no function: request bodies are checked with zod/mini', async () => {
    const { files } = await inputs('functions/produce.ts');
    expect(files.some((f) => f.includes('/zod/v4/mini/'))).toBe(true);
    expect(files.filter((f) => f.includes('/zod/v4/classic/'))).toEqual([]);
  });
});
