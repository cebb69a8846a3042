// The README's kafkajs transactions example, run as a user would against a gateway: it is
// the example file word for word, and it copies the committed orders exactly once and
// never the aborted one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExample } from '../client/runExample.ts';
import { useGateway } from './harness.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;
const EXAMPLE = join(ROOT, 'lib/gateway/examples/transactions.ts');

const h = useGateway();

describe('the README kafkajs transactions example', () => {
  it('is the example file, word for word', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Kafka clients'));
    const block = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];

    expect(block).toBe(readFileSync(EXAMPLE, 'utf8').trimEnd());
  });

  it('copies the committed orders once, with the group offsets, and never the aborted one', { timeout: 60_000 }, async () => {
    const r = await runExample(EXAMPLE, 'http://127.0.0.1:1', { KAFKA_BROKERS: h.broker() });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/copied \d records; the group goes on at offset 3\n$/);
    const log = h.gateway().services.log;
    expect((await log.fetch('orders', 0, { offset: 0 })).records.map((x) => x.value!.toString())).toEqual(['200', '50', '75']);
    expect((await log.fetch('orders-copy', 0, { offset: 0 })).records.map((x) => x.value!.toString())).toEqual(['200', '50', '75']);
    const offsets = await h.gateway().services.groups.fetchOffsets('orders-copier');
    expect(offsets.offsets).toEqual([expect.objectContaining({ topic: 'orders', partition: 0, offset: 3, lag: 0 })]);
  });
});
