import { describe, expect, it } from 'vitest';
import { apiGatewayRequests, itemSize, numberSize, readUnits, valueSize, writeUnits } from '../../../lib/bench/harness/capacity.ts';
import { baselineCosts, costPerGiB, GiB, headReadsPerIdlePoll, idleLongPollUsdPerHour, type RequestProfile } from '../../../lib/bench/cost/model.ts';
import { BASELINES, PRICES } from '../../../lib/bench/cost/prices.ts';

describe('DynamoDB item sizes', () => {
  it('counts numbers by significant digits, one byte per two plus one', () => {
    expect(numberSize('0')).toBe(1);
    expect(numberSize('7')).toBe(2);
    expect(numberSize('12')).toBe(2);
    expect(numberSize('123')).toBe(3);
    expect(numberSize('1000000')).toBe(2); // trailing zeros are not significant
    expect(numberSize('-0.00125')).toBe(3);
    expect(numberSize('1750000000123')).toBe(8);
  });

  it('counts strings in UTF-8 bytes, maps and lists with their overhead', () => {
    expect(valueSize({ S: 'abc' })).toBe(3);
    expect(valueSize({ S: 'é' })).toBe(2);
    expect(valueSize({ B: new Uint8Array(10) })).toBe(10);
    expect(valueSize({ BOOL: true })).toBe(1);
    expect(valueSize({ M: { ab: { S: 'xyz' } } })).toBe(3 + 2 + 3 + 1);
    expect(valueSize({ L: [{ S: 'a' }, { N: '5' }] })).toBe(3 + (1 + 1) + (2 + 1));
  });

  it('adds attribute names to the values', () => {
    expect(itemSize({ name: { S: 'orders' }, partitions: { N: '3' } })).toBe(4 + 6 + 10 + 2);
    expect(itemSize(undefined)).toBe(0);
  });
});

describe('request units', () => {
  it('bills writes per started KB, transactions twice', () => {
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(300, true)).toBe(2);
    expect(writeUnits(2500, true)).toBe(6);
  });

  it('bills reads per started 4 KB, half for eventually consistent ones', () => {
    expect(readUnits(0, true)).toBe(1);
    expect(readUnits(4096, true)).toBe(1);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(100, false)).toBe(0.5);
    expect(readUnits(100, true, true)).toBe(2);
  });

  it('meters API Gateway requests per started 512 KB', () => {
    expect(apiGatewayRequests(0)).toBe(1);
    expect(apiGatewayRequests(512 * 1024)).toBe(1);
    expect(apiGatewayRequests(512 * 1024 + 1)).toBe(2);
    expect(apiGatewayRequests(1024 * 1024)).toBe(2);
  });
});

describe('cost per GiB', () => {
  const oneMiB: RequestProfile = {
    dataBytes: 1024 * 1024,
    apiPayloadBytes: 1024 * 1024,
    lambdaMemoryMb: 1024,
    lambdaMs: 99.2,
    s3Puts: 1,
    s3Gets: 0,
    wru: 8,
    rru: 1,
  };

  it('prices each line item from the published prices', () => {
    const c = costPerGiB(oneMiB);
    expect(c.requestsPerGiB).toBe(1024);
    expect(c.apiGateway).toBeCloseTo(1024 * 2 * 1e-6, 12); // two 512 KB units per request
    expect(c.lambdaRequests).toBeCloseTo(1024 * 0.2e-6, 12);
    expect(c.lambdaCompute).toBeCloseTo(1024 * 1 * 0.1 * 0.0000133334, 12); // billed 100 ms at 1 GB
    expect(c.s3).toBeCloseTo(1024 * 0.005 / 1000, 12);
    expect(c.dynamodbWrites).toBeCloseTo(1024 * 8 * 0.625e-6, 12);
    expect(c.dynamodbReads).toBeCloseTo(1024 * 1 * 0.125e-6, 12);
    expect(c.total).toBeCloseTo(c.apiGateway + c.lambdaRequests + c.lambdaCompute + c.s3 + c.dynamodbWrites + c.dynamodbReads, 12);
    expect(c.total).toBeCloseTo(0.013986, 5);
  });

  it('scales with the number of requests a GiB takes', () => {
    const small = costPerGiB({ ...oneMiB, dataBytes: 16 * 1024, apiPayloadBytes: 16 * 1024 });
    expect(small.requestsPerGiB).toBe(GiB / (16 * 1024));
    expect(small.s3).toBeCloseTo(costPerGiB(oneMiB).s3 * 64, 12);
    expect(small.apiGateway).toBeCloseTo(65536 * 1e-6, 12);
  });

  it('prices GET requests at the GET rate', () => {
    const read = costPerGiB({ ...oneMiB, s3Puts: 0, s3Gets: 1, wru: 0, rru: 3 });
    expect(read.s3).toBeCloseTo(1024 * 0.0004 / 1000, 12);
    expect(read.dynamodbWrites).toBe(0);
  });

  it('refuses a request that moves no data', () => {
    expect(() => costPerGiB({ ...oneMiB, dataBytes: 0 })).toThrow(RangeError);
  });

  it('keeps the managed baselines as published', () => {
    expect(baselineCosts).toEqual({ kinesisIngest: 0.08, kinesisRead: 0.04, mskIngest: 0.1, mskRead: 0.05 });
    expect(BASELINES.kinesisOnDemand.ingestUsdPerGb).toBe(0.08);
    expect(PRICES.dynamodbOnDemand.usdPerWriteRequestUnit).toBeCloseTo(0.625e-6, 15);
  });
});

describe('idle long polls', () => {
  it('counts the head reads of a poll whose interval doubles from 25 to 250 ms', () => {
    expect(headReadsPerIdlePoll(0)).toBe(1);
    expect(headReadsPerIdlePoll(25)).toBe(2);
    expect(headReadsPerIdlePoll(100)).toBe(4); // 25 + 50 + 25 (cut short)
    // 25 + 50 + 100 + 200 = 375 ms, then 250 ms steps: 19625 / 250 = 78.5 -> 79
    expect(headReadsPerIdlePoll(20_000)).toBe(1 + 4 + 79);
  });

  it('prices an hour of polling an idle partition', () => {
    const perHour = idleLongPollUsdPerHour({ waitMs: 20_000, lambdaMemoryMb: 1024, fixedRru: 2, headReads: 84, rruPerHeadRead: 1 });
    const perPoll = 1e-6 + 0.2e-6 + 20 * 0.0000133334 + 86 * 0.125e-6;
    expect(perHour).toBeCloseTo(180 * perPoll, 10);
  });
});
