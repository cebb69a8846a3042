// The processor adapter (lib/runtime/processor.ts) that platform.addProcessor deploys: a
// wake-up (a dispatcher batch or the schedule, whatever its payload) runs one pass of the
// bundled topology from the committed positions; a module whose application.id is not
// the deployed name is refused, and a later wake-up tries again.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../lib/core/errors.ts';
import { Log } from '../../../lib/log/index.ts';
import { createProcessorHandler } from '../../../lib/runtime/processor.ts';
import { Processors } from '../../../lib/streams/service.ts';
import { useTestStorage } from '../../support/stack.ts';
import { expectedCounts, wordCount } from './fixtures/wordCount.ts';

const storage = useTestStorage();

describe('the processor Lambda handler', () => {
  it('runs a pass on each wake-up, from the committed positions', async () => {
    const id = randomBytes(4).toString('hex');
    const [app, lines, counts] = [`wc-${id}`, `lines-${id}`, `counts-${id}`];
    const log = new Log(storage.clients);
    for (const topic of [lines, counts]) await log.createTopic({ name: topic, partitions: 1 });
    await log.append(lines, 0, { records: [{ key: null, value: Buffer.from('a b a'), timestamp: 1 }] });
    const handler = createProcessorHandler({ default: () => wordCount(lines, counts), config: { 'application.id': app } }, { env: { SLUICE_PROCESSOR_NAME: app }, log: () => log });

    expect(await handler({ eventSource: 'sluice', records: {} })).toEqual({ processor: app, tasks: { '0_0': expect.stringMatching(/^caught-up/), '1_0': expect.stringMatching(/^caught-up/) } });
    expect(await new Processors(storage.clients).get(app, 'counts', 'a')).toEqual({ key: 'a', value: 2 });
    await log.append(lines, 0, { records: [{ key: null, value: Buffer.from('b'), timestamp: 2 }] });
    await handler({ source: 'aws.events' });
    const processors = new Processors(storage.clients);
    for (const [word, n] of expectedCounts(['a b a', 'b'])) expect(await processors.get(app, 'counts', word)).toEqual({ key: word, value: n });
  });

  it('refuses a bundled module whose application.id is not the deployed name', async () => {
    const handler = createProcessorHandler({ default: () => wordCount('l', 'c'), config: { 'application.id': 'other' } }, { env: { SLUICE_PROCESSOR_NAME: 'word-count' }, log: () => new Log(storage.clients) });
    await expect(handler()).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(handler()).rejects.toThrow(/not the processor's name 'word-count'/);
  });
});
