// The cost model: what AWS bills for moving one GiB through Sluice, from what one request
// was measured to use (requests to S3 and DynamoDB, request units, handler duration) and
// the published prices in prices.ts. Pure arithmetic, no I/O.
import { apiGatewayRequests } from '../harness/capacity.ts';
import { BASELINES, PRICES, type Prices } from './prices.ts';

export const GiB = 2 ** 30;

/** What one API request (one produce of a batch, or one fetch) was measured to use. */
export interface RequestProfile {
  /** Record data moved by the request (produce: request body; fetch: response body). */
  dataBytes: number;
  /** Payload API Gateway meters: the larger of request and response body. */
  apiPayloadBytes: number;
  /** Memory of the Lambda function serving it (FUNCTIONS in lib/api/routes.ts). */
  lambdaMemoryMb: number;
  /** Handler duration, milliseconds (billed rounded up to the millisecond). */
  lambdaMs: number;
  s3Puts: number;
  s3Gets: number;
  /** DynamoDB write and read request units. */
  wru: number;
  rru: number;
}

export interface CostBreakdown {
  /** API requests per GiB (requests, before API Gateway's 512 KB metering). */
  requestsPerGiB: number;
  apiGateway: number;
  lambdaRequests: number;
  lambdaCompute: number;
  s3: number;
  dynamodbWrites: number;
  dynamodbReads: number;
  /** USD per GiB. */
  total: number;
}

export function costPerGiB(p: RequestProfile, prices: Prices = PRICES): CostBreakdown {
  if (!(p.dataBytes > 0)) throw new RangeError('dataBytes must be positive');
  const n = GiB / p.dataBytes;
  const billedMs = Math.ceil(p.lambdaMs / prices.lambdaArm64.billingStepMs) * prices.lambdaArm64.billingStepMs;
  const apiGateway = n * apiGatewayRequests(p.apiPayloadBytes, prices.apiGatewayHttp.meteringIncrementBytes) * prices.apiGatewayHttp.usdPerRequest;
  const lambdaRequests = n * prices.lambdaArm64.usdPerRequest;
  const lambdaCompute = n * (p.lambdaMemoryMb / 1024) * (billedMs / 1000) * prices.lambdaArm64.usdPerGbSecond;
  const s3 = n * (p.s3Puts * prices.s3Standard.usdPerPut + p.s3Gets * prices.s3Standard.usdPerGet);
  const dynamodbWrites = n * p.wru * prices.dynamodbOnDemand.usdPerWriteRequestUnit;
  const dynamodbReads = n * p.rru * prices.dynamodbOnDemand.usdPerReadRequestUnit;
  return {
    requestsPerGiB: n,
    apiGateway,
    lambdaRequests,
    lambdaCompute,
    s3,
    dynamodbWrites,
    dynamodbReads,
    total: apiGateway + lambdaRequests + lambdaCompute + s3 + dynamodbWrites + dynamodbReads,
  };
}

/**
 * Head reads one long poll makes while nothing arrives: the first read, then one per
 * wake-up of a poll interval that doubles from `minMs` to `maxMs` (lib/log/watch.ts).
 */
export function headReadsPerIdlePoll(waitMs: number, minMs = 25, maxMs = 250): number {
  let reads = 1;
  let elapsed = 0;
  let interval = minMs;
  while (elapsed < waitMs) {
    elapsed += Math.min(interval, waitMs - elapsed);
    reads++;
    interval = Math.min(maxMs, interval * 2);
  }
  return reads;
}

export interface IdlePollProfile {
  /** waitMs of each long poll. */
  waitMs: number;
  lambdaMemoryMb: number;
  /** RRU per poll besides the head polling (topic lookup, first head read). */
  fixedRru: number;
  /** Head reads while waiting (headReadsPerIdlePoll) and the RRU of each. */
  headReads: number;
  rruPerHeadRead: number;
}

/**
 * USD per hour for one consumer long-polling one idle partition: each poll is an API
 * request and a Lambda invocation that stays busy for the whole wait.
 */
export function idleLongPollUsdPerHour(p: IdlePollProfile, prices: Prices = PRICES): number {
  const polls = 3_600_000 / p.waitMs;
  const perPoll =
    prices.apiGatewayHttp.usdPerRequest +
    prices.lambdaArm64.usdPerRequest +
    (p.lambdaMemoryMb / 1024) * (p.waitMs / 1000) * prices.lambdaArm64.usdPerGbSecond +
    (p.fixedRru + p.headReads * p.rruPerHeadRead) * prices.dynamodbOnDemand.usdPerReadRequestUnit;
  return polls * perPoll;
}

export const baselineCosts = {
  kinesisIngest: BASELINES.kinesisOnDemand.ingestUsdPerGb,
  kinesisRead: BASELINES.kinesisOnDemand.readUsdPerGb,
  mskIngest: BASELINES.mskServerless.ingestUsdPerGb,
  mskRead: BASELINES.mskServerless.readUsdPerGb,
};
