import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient, DEFAULT_ENDPOINT, readOutputsEndpoint, resolveEndpoint } from '../../../lib/cli/context.ts';
import { CliError, UsageError } from '../../../lib/cli/errors.ts';

const file = (doc: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
  const f = join(dir, 'outputs.json');
  writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return f;
};

const URL_A = 'https://a1b2c3.execute-api.eu-west-1.amazonaws.com/';
const URL_B = 'https://d4e5f6.execute-api.us-east-2.amazonaws.com/';

describe('readOutputsEndpoint', () => {
  it('reads ApiUrl of the first stack that has one', () => {
    const f = file({ Other: { BucketName: 'x' }, Sluice: { ApiUrl: URL_A, TableName: 't' }, Second: { ApiUrl: URL_B } });
    expect(readOutputsEndpoint(f)).toBe(URL_A);
  });

  it('reads the named stack', () => {
    const f = file({ Sluice: { ApiUrl: URL_A }, SluiceStaging: { ApiUrl: URL_B } });
    expect(readOutputsEndpoint(f, 'SluiceStaging')).toBe(URL_B);
  });

  it('accepts an ApiUrl output defined inside a construct (hashed logical id)', () => {
    expect(readOutputsEndpoint(file({ Sluice: { PlatformApiUrl1A2B3C4D: URL_A } }))).toBe(URL_A);
  });

  it('explains what is missing', () => {
    expect(() => readOutputsEndpoint(file({ Sluice: { ApiUrl: URL_A } }), 'Nope')).toThrow(/no stack 'Nope'.*Sluice/);
    expect(() => readOutputsEndpoint(file({ Sluice: { Bucket: 'b' } }), 'Sluice')).toThrow(/no ApiUrl/);
    expect(() => readOutputsEndpoint(file({ Sluice: {} }))).toThrow(/no stack .* has an ApiUrl/);
    expect(() => readOutputsEndpoint(file('not json'))).toThrow(/not JSON/);
    expect(() => readOutputsEndpoint(file([1, 2]))).toThrow(CliError);
    expect(() => readOutputsEndpoint('/nonexistent/outputs.json')).toThrow(/cannot read/);
  });
});

describe('resolveEndpoint', () => {
  it('prefers --endpoint, then --outputs, then SLUICE_ENDPOINT, then the default', () => {
    const f = file({ Sluice: { ApiUrl: URL_A } });
    const env = { SLUICE_ENDPOINT: 'http://127.0.0.1:9999' };
    expect(resolveEndpoint({ endpoint: 'http://localhost:1' }, env)).toBe('http://localhost:1');
    expect(resolveEndpoint({ outputs: f }, env)).toBe(URL_A);
    expect(resolveEndpoint({}, env)).toBe('http://127.0.0.1:9999');
    expect(resolveEndpoint({}, {})).toBe(DEFAULT_ENDPOINT);
  });

  it('refuses conflicting options', () => {
    expect(() => resolveEndpoint({ endpoint: 'http://x', outputs: 'f' }, {})).toThrow(UsageError);
    expect(() => resolveEndpoint({ stack: 'S' }, {})).toThrow(/--stack needs --outputs/);
  });

  it('signs for deployed endpoints only', () => {
    expect(createClient({ endpoint: 'http://127.0.0.1:9192' }).signs).toBe(false);
    expect(createClient({ endpoint: URL_A, region: 'eu-west-1' }).signs).toBe(true);
  });

  it('rejects a malformed endpoint as a usage error', () => {
    expect(() => createClient({ endpoint: 'not a url' })).toThrow(UsageError);
  });
});
