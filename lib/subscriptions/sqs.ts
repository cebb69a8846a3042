// The SQS copy of dead letters: SendMessage to a queue URL checked by queues.ts, with a
// client built for that queue's region and pinned to the endpoint the check derived
// (useQueueUrlAsEndpoint off), so the signed request can go nowhere else. The URL is
// checked again before every send: a stored subscription (or the platform's default
// queue from the environment) gets no trust of its own.
import { SendMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import type { DeadLetterRecord } from './model.ts';
import { parseQueueUrl, sqsEnvironment, type SqsEnvironment } from './queues.ts';

/** Sends one dead letter to a queue; resolves to the message id, throws on failure. */
export type SendDeadLetter = (queueUrl: string, dl: DeadLetterRecord) => Promise<string | undefined>;

export interface SqsSenderOptions {
  env?: SqsEnvironment;
  /** Merged into every client's configuration (tests: a request handler, credentials). */
  clientConfig?: Partial<SQSClientConfig>;
}

/** SendMessage to a checked queue URL, with one client per (region, endpoint). */
export function createSqsSender(opts: SqsSenderOptions = {}): SendDeadLetter {
  const env = opts.env ?? sqsEnvironment();
  const clients = new Map<string, SQSClient>();
  return async (queueUrl, dl) => {
    const q = parseQueueUrl(queueUrl, env);
    const key = `${q.region} ${q.endpoint}`;
    let sqs = clients.get(key);
    if (!sqs) {
      sqs = new SQSClient({ ...opts.clientConfig, region: q.region, endpoint: q.endpoint, useQueueUrlAsEndpoint: false });
      clients.set(key, sqs);
    }
    const res = await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.queueUrl,
        MessageBody: JSON.stringify({ source: 'sluice', type: 'dead-letter', ...dl }),
        MessageAttributes: {
          topic: { DataType: 'String', StringValue: dl.topic },
          subscription: { DataType: 'String', StringValue: dl.subscription },
        },
      }),
    );
    return res.MessageId;
  };
}
