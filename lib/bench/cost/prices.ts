// The one price table the cost model uses: published AWS list prices for us-east-1, as
// read from the public pricing pages named below (2025 figures; DynamoDB's after the
// November 2024 on-demand price cut). Change them here and nowhere else. Free tiers,
// volume discounts and Savings Plans are ignored; so are per-hour charges that do not
// scale with traffic (Kinesis stream-hours, MSK cluster- and partition-hours).

export const PRICES_AS_OF = '2025 (published list prices, us-east-1)';

export const PRICES = {
  /** https://aws.amazon.com/api-gateway/pricing/ — HTTP APIs, first 300 million requests/month. */
  apiGatewayHttp: {
    usdPerRequest: 1.0 / 1e6,
    /** HTTP API requests are metered in 512 KB increments. */
    meteringIncrementBytes: 512 * 1024,
  },
  /** https://aws.amazon.com/api-gateway/pricing/ — WebSocket APIs, first billion messages/month. */
  apiGatewayWebSocket: {
    /** Messages either way, metered in 32 KB increments. */
    usdPerMessage: 1.0 / 1e6,
    usdPerConnectionMinute: 0.25 / 1e6,
  },
  /** https://aws.amazon.com/lambda/pricing/ — Arm (Graviton2), first 6 billion GB-s/month. */
  lambdaArm64: {
    usdPerGbSecond: 0.0000133334,
    usdPerRequest: 0.2 / 1e6,
    /** Duration is billed in 1 ms steps. */
    billingStepMs: 1,
  },
  /** https://aws.amazon.com/s3/pricing/ — S3 Standard. */
  s3Standard: {
    /** PUT, COPY, POST, LIST. */
    usdPerPut: 0.005 / 1000,
    /** GET, SELECT and all other requests. */
    usdPerGet: 0.0004 / 1000,
    /** First 50 TB/month; not part of the per-GiB figures (it depends on retention). */
    usdPerGbMonth: 0.023,
  },
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ — on-demand, Standard table class. */
  dynamodbOnDemand: {
    usdPerWriteRequestUnit: 0.625 / 1e6,
    usdPerReadRequestUnit: 0.125 / 1e6,
  },
} as const;

/**
 * What the managed alternatives charge per GB moved (data charges only).
 * Kinesis: https://aws.amazon.com/kinesis/data-streams/pricing/ (on-demand mode).
 * MSK Serverless: https://aws.amazon.com/msk/pricing/ (serverless clusters).
 * Both bill per GB of data; the figures are used per GiB as they stand. If a GB there is
 * 10^9 bytes, their true price per GiB is 7% higher, which only flatters them here.
 */
export const BASELINES = {
  kinesisOnDemand: { ingestUsdPerGb: 0.08, readUsdPerGb: 0.04 },
  mskServerless: { ingestUsdPerGb: 0.1, readUsdPerGb: 0.05, usdPerPartitionHour: 0.0015 },
} as const;

export type Prices = typeof PRICES;
