// A subscription cursor moved inside a transaction of the log (what a processor does with
// its outputs and its input position): both land, or, when the lease was lost, neither.
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { acquireLease, cursorParticipant, readCursor } from '../../../lib/subscriptions/index.ts';
import { getHead } from '../../../lib/storage/metadata.ts';
import { useTestStorage } from '../../support/stack.ts';
import { readAll, rec } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;

async function setup() {
  const log = new Log(storage.clients);
  const input = await log.createTopic({ name: `in-${n}-${Date.now()}` });
  const output = await log.createTopic({ name: `out-${n++}-${Date.now()}` });
  const k = { topicId: input.topicId, subscriptionId: `sub-${n}`, partition: 0 };
  return { log, output, k };
}

describe('a cursor in a transaction', () => {
  it('moves together with the records', async () => {
    const { log, output, k } = await setup();
    expect((await acquireLease(storage.clients, k, 'owner-a', 1_000, 60_000, 0)).ok).toBe(true);

    await log.transaction([{ topic: output.name, partition: 0, record: rec('out') }], {
      participants: [cursorParticipant(storage.clients, k, 'owner-a', 0, 5, 2_000)],
    });

    expect((await readCursor(storage.clients, k))?.offset).toBe(5);
    expect((await readAll(log, output.name, 0)).map((r) => r.value)).toEqual(['out']);
  });

  it('writes nothing once another dispatcher took the lease', async () => {
    const { log, output, k } = await setup();
    await acquireLease(storage.clients, k, 'owner-a', 1_000, 2_000, 0);
    await acquireLease(storage.clients, k, 'owner-b', 3_000, 60_000, 0);

    const err = await log
      .transaction([{ topic: output.name, partition: 0, record: rec('zombie') }], {
        participants: [cursorParticipant(storage.clients, k, 'owner-a', 0, 5, 4_000)],
      })
      .catch((e) => e);

    expect(err).toMatchObject({ code: 'CONCURRENT_MODIFICATION' });
    expect(err.message).toMatch(/lease/);
    expect((await readCursor(storage.clients, k))?.offset).toBe(0);
    expect((await getHead(storage.clients, output.topicId, 0)).nextOffset).toBe(0);
  });
});
