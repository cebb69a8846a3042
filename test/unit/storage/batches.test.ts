// The batch primitives resend what DynamoDB leaves unprocessed (it may, under load, for
// any request of a batch) until nothing is left. The client is faked: DynamoDB Local
// never leaves anything unprocessed.
import { describe, expect, it } from 'vitest';
import { batchGet, batchWrite, S, type Item } from '../../../lib/storage/dynamo.ts';
import type { TableClients } from '../../../lib/storage/tables.ts';

interface Sent {
  RequestItems: Record<string, { Keys?: Item[] } | unknown[]>;
}

/** A client whose every call leaves the first request unprocessed `times` times. */
function stubborn(times: number, calls: Sent[]): TableClients {
  let left = times;
  const send = async (command: { input: Sent }) => {
    calls.push(command.input);
    const req = command.input.RequestItems.t!;
    if (Array.isArray(req)) return { UnprocessedItems: left-- > 0 ? { t: req.slice(0, 1) } : {} };
    const keys = (req as { Keys: Item[] }).Keys;
    const unprocessed = left-- > 0 ? keys.slice(0, 1) : [];
    return { Responses: { t: keys.filter((k) => !unprocessed.includes(k)) }, UnprocessedKeys: unprocessed.length ? { t: { Keys: unprocessed } } : {} };
  };
  return { names: {} as TableClients['names'], ddb: { send } as unknown as TableClients['ddb'] };
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ id: S(`k${i}`) }));

describe('batch primitives', () => {
  it('batchGet asks again for the keys left unprocessed and returns every item once', async () => {
    const calls: Sent[] = [];
    const items = await batchGet(stubborn(2, calls), 't', keys(150), 'read');
    expect(items.map((i) => i.id!.S).sort()).toEqual(keys(150).map((k) => k.id.S).sort());
    expect(calls.map((c) => (c.RequestItems.t as { Keys: Item[] }).Keys.length)).toEqual([100, 1, 1, 50]);
  });

  it('batchWrite resends the requests left unprocessed', async () => {
    const calls: Sent[] = [];
    await batchWrite(stubborn(1, calls), 't', keys(30).map((Key) => ({ DeleteRequest: { Key } })), 'delete');
    expect(calls.map((c) => (c.RequestItems.t as unknown[]).length)).toEqual([25, 1, 5]);
  });
});
