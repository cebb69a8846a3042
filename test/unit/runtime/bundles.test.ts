// Each function's bundle carries the runtime adapters of the events it serves and no
// other: the HTTP adapter for a function with routes, the schedule adapter for one on a
// schedule, the stream adapter for the stream-triggered one, the invoke adapter for the
// custom resource's; and the event-kind dispatch only where there is more than one kind.
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, ROUTES, type FunctionName } from '../../../lib/api/routes.ts';

const root = new URL('../../../', import.meta.url).pathname;
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
/** Functions serving CloudFormation custom resources (`platform.addSubscription`, `platform.addConnector`). */
const CUSTOM_RESOURCES: FunctionName[] = ['subscriptions', 'connectors'];

const inputs = {} as Record<FunctionName, string[]>;

beforeAll(async () => {
  await Promise.all(
    NAMES.map(async (fn) => {
      const result = await build({
        entryPoints: [`${root}${FUNCTIONS[fn].entry}`],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'esm',
        logLevel: 'silent',
      });
      // What ends up in the output, not everything read: tree-shaken modules carry 0 bytes.
      const output = Object.values(result.metafile.outputs)[0]!;
      inputs[fn] = Object.entries(output.inputs).flatMap(([file, { bytesInOutput }]) => (bytesInOutput > 0 ? [file] : []));
    }),
  );
}, 120_000);

const runtimeFiles = (fn: FunctionName): string[] =>
  inputs[fn].flatMap((f) => /lib\/runtime\/(http|schedule|stream|invoke|events)\.ts$/.exec(f)?.[1] ?? []).sort();

describe('runtime adapters per function', () => {
  it.each(NAMES)('%s carries the adapters of its event sources only', (fn) => {
    const kinds = [
      ROUTES.some((r) => r.fn === fn) && 'http',
      FUNCTIONS[fn].scheduleMinutes !== undefined && 'schedule',
      FUNCTIONS[fn].trigger === 'partitions-stream' && 'stream',
      CUSTOM_RESOURCES.includes(fn) && 'invoke',
    ].filter((k): k is string => Boolean(k));
    expect(runtimeFiles(fn)).toEqual([...kinds, ...(kinds.length > 1 ? ['events'] : [])].sort());
  });

  it('maintenance works on the storage clients: no Log append or fetch path in its bundle', () => {
    expect(inputs.maintenance.filter((f) => /lib\/log\/(index|append|fetch)\.ts$/.test(f))).toEqual([]);
  });
});
