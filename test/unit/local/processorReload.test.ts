// Hot reload in the dev server (lib/local/processors.ts): once a new runtime is handed
// over, no pass runs the old one again, not even the repeat of a pass already running.
import { describe, expect, it } from 'vitest';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Hosted } from '../../../lib/local/processors.ts';
import type { ProcessorRuntime } from '../../../lib/streams/runtime/processor.ts';

/** A runtime that records its passes; the first one waits until released. */
function runtime(name: string, passes: string[], gate?: Promise<void>) {
  let first = true;
  return {
    name: 'wc',
    runOnce: async () => {
      passes.push(name);
      if (first && gate) await gate;
      first = false;
    },
  } as unknown as ProcessorRuntime;
}

const logger = { warn: () => undefined, info: () => undefined } as unknown as Logger;

describe('hot reload of a hosted processor', () => {
  it('the repeat of a running pass runs the new runtime once it was handed over', async () => {
    const passes: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hosted = new Hosted('/m/topology.ts', runtime('old', passes, gate), logger);

    const running = hosted.pass();
    const again = hosted.pass(); // a head moved meanwhile: the loop goes round once more
    const replaced = hosted.replace(runtime('new', passes));
    release();
    await Promise.all([running, again, replaced]);
    await hosted.pass();

    expect(passes).toEqual(['old', 'new', 'new']);
  });
});
