// The storage layer's SDK clients log no failed call: each is thrown to its caller, and a
// failed condition is an answer of the protocol, not an error for the operator's logs.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { conditional, S } from '../../../lib/storage/dynamo.ts';
import { useTestStorage } from '../../support/stack.ts';

const storage = useTestStorage();

describe('the storage clients\' SDK logging', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints nothing for a conditional write that fails, and answers it as a failed condition', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const put = () =>
      conditional('PutItem', () =>
        storage.clients.ddb.send(
          new PutItemCommand({ TableName: storage.clients.names.tables.topics, Item: { name: S('sdk-logging') }, ConditionExpression: 'attribute_not_exists(#n)', ExpressionAttributeNames: { '#n': 'name' } }),
        ),
      );

    const first = await put();
    const second = await put();

    expect([first.ok, second.ok]).toEqual([true, false]);
    expect(errors).not.toHaveBeenCalled();
  });
});
