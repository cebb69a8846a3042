// Dead-letter queues: which queue URLs a subscription may name (sqs.ts sends to them;
// this file imports no SDK client, so the functions that only validate stay small).
//
// Why so strict: SendMessage is signed with the dispatcher's credentials (access key id,
// session token), and the SDK sends it to whatever host the QueueUrl names. A queue URL
// on a host of the caller's choosing would hand that host the signed request. So a queue
// URL must be an SQS endpoint of the stack's own partition and region:
//
//   https://sqs.{region}.amazonaws.com/{account}/{name}         (sqs-fips. too)
//   https://{region}.queue.amazonaws.com/{account}/{name}       (legacy form)
//   https://queue.amazonaws.com/{account}/{name}                (legacy us-east-1)
//   .amazonaws.com.cn instead of .amazonaws.com in the China regions
//
// {account} is 12 digits, {name} 1-80 of [A-Za-z0-9_-] (with .fifo). The stack's region is
// AWS_REGION (always set in Lambda); without one (a local run against real AWS), any
// region of those forms is accepted. With AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL set
// (LocalStack), queue URLs must instead be on that endpoint (same scheme, host and port,
// path ending in /{account}/{name}; LocalStack's SQS_ENDPOINT_STRATEGY=off gives such
// URLs). The check runs at creation and again before every send, and the client is built
// for the queue's region with the endpoint taken from the checked URL (the SDK's
// use-the-QueueUrl-host behaviour is off), so the request can only go there.
import { InvalidTargetError } from '../core/errors.ts';

export interface SqsEnvironment {
  /** The stack's region; undefined: not known (any region is accepted). */
  region?: string;
  /** A configured SQS endpoint (LocalStack); queue URLs must then be on it. */
  endpoint?: string;
}

export const sqsEnvironment = (env: NodeJS.ProcessEnv = process.env): SqsEnvironment => {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const endpoint = env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL;
  return { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
};

/** A checked queue URL and where to send its requests. */
export interface QueueEndpoint {
  queueUrl: string;
  region: string;
  /** Origin the client sends to: derived from the checked URL, or the configured endpoint. */
  endpoint: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const SQS_HOST = /^sqs(?:-fips)?\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?)$/;
const LEGACY_HOST = /^([a-z0-9-]+)\.queue\.(amazonaws\.com(?:\.cn)?)$/;
const QUEUE_PATH = /\/(\d{12})\/((?=[A-Za-z0-9_.-]{1,80}$)[A-Za-z0-9_-]+(?:\.fifo)?)$/;
/** The endpoint domain of a region's partition (aws, aws-us-gov: .com; aws-cn: .com.cn). */
const partitionDomain = (region: string): string => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

/** Checks a dead-letter queue URL (see the header); INVALID_TARGET naming `field` if refused. */
export function parseQueueUrl(raw: string, env: SqsEnvironment = sqsEnvironment(), field = 'deadLetter.queueUrl'): QueueEndpoint {
  const refuse = (why: string) =>
    new InvalidTargetError(`'${field}' ${why}; got '${raw.length > 120 ? `${raw.slice(0, 120)}…` : raw}'.`, { fields: [field] });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('is not a valid URL');
  }
  if (url.username || url.password || url.search || url.hash) throw refuse('must be a plain queue URL (no credentials, query or fragment)');
  const path = QUEUE_PATH.exec(url.pathname);
  if (env.endpoint) {
    const configured = new URL(env.endpoint);
    if (url.origin !== configured.origin || !path) {
      throw refuse(`must be a queue of the configured SQS endpoint (${configured.origin}/ACCOUNT/NAME)`);
    }
    return { queueUrl: url.toString(), region: env.region ?? 'us-east-1', endpoint: configured.origin };
  }
  const host = url.hostname;
  const m = SQS_HOST.exec(host) ?? LEGACY_HOST.exec(host) ?? (host === 'queue.amazonaws.com' ? [host, 'us-east-1', 'amazonaws.com'] : null);
  const region = m?.[1];
  const expected = env.region ? `https://sqs.${env.region}.${partitionDomain(env.region)}/ACCOUNT/NAME` : 'https://sqs.REGION.amazonaws.com/ACCOUNT/NAME';
  const exact = path !== null && url.pathname === `/${path[1]}/${path[2]}`;
  if (url.protocol !== 'https:' || url.port !== '' || !region || !REGION.test(region) || m?.[2] !== partitionDomain(region) || !exact) {
    throw refuse(`must be an SQS queue URL (${expected})`);
  }
  if (env.region && region !== env.region) throw refuse(`must be a queue in this stack's region ${env.region} (${expected})`);
  return { queueUrl: url.toString(), region, endpoint: `https://${host}` };
}
