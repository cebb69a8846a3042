// Dead-letter queues: only SQS endpoints of the stack's partition and region (or the
// configured endpoint) are accepted, at creation and before every send, and the signed
// SendMessage goes to the endpoint derived from the checked URL, never elsewhere.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidTargetError } from '../../../lib/core/errors.ts';
import type { DeadLetterRecord } from '../../../lib/subscriptions/model.ts';
import { parseQueueUrl } from '../../../lib/subscriptions/queues.ts';
import { createSqsSender } from '../../../lib/subscriptions/sqs.ts';

const euWest1 = { region: 'eu-west-1' };

describe('queue URLs', () => {
  it.each([
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/dlq', 'https://sqs.eu-west-1.amazonaws.com'],
    ['https://sqs-fips.eu-west-1.amazonaws.com/123456789012/dlq', 'https://sqs-fips.eu-west-1.amazonaws.com'],
    ['https://eu-west-1.queue.amazonaws.com/123456789012/dlq.fifo', 'https://eu-west-1.queue.amazonaws.com'],
  ])('accepts %s of the stack region, sent to %s', (url, endpoint) => {
    expect(parseQueueUrl(url, euWest1)).toEqual({ queueUrl: url, region: 'eu-west-1', endpoint });
  });

  it('accepts the China partition\'s domain in a China region, and the legacy us-east-1 host', () => {
    expect(parseQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q', { region: 'cn-north-1' })).toMatchObject({
      region: 'cn-north-1',
      endpoint: 'https://sqs.cn-north-1.amazonaws.com.cn',
    });
    expect(parseQueueUrl('https://queue.amazonaws.com/123456789012/q', { region: 'us-east-1' })).toMatchObject({ region: 'us-east-1' });
  });

  it.each([
    'https://sqs.eu-west-1.amazonaws.com.evil.example/123456789012/dlq', // another host
    'https://evil.example/123456789012/dlq',
    'https://sqs.eu-west-1.amazonaws.com@evil.example/123456789012/dlq', // credentials syntax
    'https://user:pw@sqs.eu-west-1.amazonaws.com/123456789012/dlq',
    'https://169.254.169.254/123456789012/dlq',
    'https://127.0.0.1/123456789012/dlq',
    'http://sqs.eu-west-1.amazonaws.com/123456789012/dlq', // not TLS
    'https://sqs.eu-west-1.amazonaws.com:8443/123456789012/dlq', // another port
    'https://sqs.us-east-1.amazonaws.com/123456789012/dlq', // another region
    'https://sqs.eu-west-1.amazonaws.com.cn/123456789012/dlq', // another partition's domain
    'https://sqs.eu-west-1.amazonaws.com/12345/dlq', // not an account id
    'https://sqs.eu-west-1.amazonaws.com/123456789012/dl q',
    'https://sqs.eu-west-1.amazonaws.com/x/123456789012/dlq',
    'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq?Action=SendMessage',
    'not a url',
  ])('refuses %s', (url) => {
    expect(() => parseQueueUrl(url, euWest1)).toThrow(InvalidTargetError);
  });

  it('names the rule and the field', () => {
    expect(() => parseQueueUrl('https://evil.example/123456789012/dlq', euWest1)).toThrow(
      "'deadLetter.queueUrl' must be an SQS queue URL (https://sqs.eu-west-1.amazonaws.com/ACCOUNT/NAME)",
    );
  });

  it('without a known region, accepts SQS endpoints of any region and only those', () => {
    expect(parseQueueUrl('https://sqs.ap-south-1.amazonaws.com/123456789012/q', {})).toMatchObject({ region: 'ap-south-1' });
    expect(() => parseQueueUrl('https://sqs.example.com/123456789012/q', {})).toThrow(InvalidTargetError);
  });

  it('with a configured endpoint (LocalStack), accepts queues on that endpoint only', () => {
    const env = { region: 'us-east-1', endpoint: 'http://localhost:4566' };
    expect(parseQueueUrl('http://localhost:4566/000000000000/dlq', env)).toEqual({
      queueUrl: 'http://localhost:4566/000000000000/dlq',
      region: 'us-east-1',
      endpoint: 'http://localhost:4566',
    });
    for (const url of ['http://localhost:4567/000000000000/dlq', 'http://evil.example:4566/000000000000/dlq', 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq']) {
      expect(() => parseQueueUrl(url, env)).toThrow(InvalidTargetError);
    }
  });
});

/** The parts of the SDK's outgoing request the tests look at. */
interface HttpRequest {
  protocol: string;
  hostname: string;
  headers: Record<string, string>;
  body: unknown;
}

describe('sending a dead letter', () => {
  const dl: DeadLetterRecord = {
    subscription: 's', subscriptionId: 'id', topic: 't', topicId: 'tid', partition: 0, firstOffset: 0, lastOffset: 1,
    recordCount: 2, error: { code: 'HTTP_500', message: 'HTTP 500 Internal Server Error' }, attempts: 4, failedAt: 1,
  };

  /** A sender whose SQS clients answer from here, recording every request they would send. */
  function capturing(region: string) {
    const sent: HttpRequest[] = [];
    const send = createSqsSender({
      env: { region },
      clientConfig: {
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
        requestHandler: {
          handle: async (request: HttpRequest) => {
            sent.push(request);
            const body = JSON.parse(String(request.body)) as { MessageBody: string };
            const md5 = createHash('md5').update(body.MessageBody).digest('hex');
            const json = JSON.stringify({ MessageId: 'm-1', MD5OfMessageBody: md5 });
            return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(json) } };
          },
        },
      },
    });
    return { send, sent };
  }

  it('signs for the queue\'s region and sends to the endpoint of the checked URL', async () => {
    const { send, sent } = capturing('eu-west-1');

    expect(await send('https://eu-west-1.queue.amazonaws.com/123456789012/dlq', dl)).toBe('m-1');

    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ protocol: 'https:', hostname: 'eu-west-1.queue.amazonaws.com' });
    expect(String(sent[0]!.headers.authorization)).toContain('/eu-west-1/sqs/aws4_request');
    expect(JSON.parse(String(sent[0]!.body))).toMatchObject({ QueueUrl: 'https://eu-west-1.queue.amazonaws.com/123456789012/dlq' });
  });

  it('refuses a queue URL of another host at send time without sending anything', async () => {
    const { send, sent } = capturing('eu-west-1');

    await expect(send('https://collector.evil.example/123456789012/dlq', dl)).rejects.toBeInstanceOf(InvalidTargetError);
    await expect(send('https://sqs.us-east-1.amazonaws.com/123456789012/dlq', dl)).rejects.toBeInstanceOf(InvalidTargetError);

    expect(sent).toEqual([]);
  });
});
