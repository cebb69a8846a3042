// .sluice/aws.env, which `sluice dev` writes so that AWS tools reach its DynamoDB: the
// variables the SDKs read, in a file only its owner can read, replaced on each start.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAwsEnv } from '../../../lib/local/awsEnv.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-awsenv-'));
  dirs.push(dir);
  return dir;
};

const target = {
  region: 'us-east-1',
  endpoints: { dynamodb: 'http://127.0.0.1:43210', s3: 'http://127.0.0.1:43211' },
  credentials: { accessKeyId: 'SLUICEABCDEF0123456789', secretAccessKey: 'f00d' },
};

describe('writeAwsEnv', () => {
  it("writes the DynamoDB endpoint, region and key pair as node --env-file reads them, readable by its owner only", async () => {
    const path = await writeAwsEnv(dataDir(), target);

    expect(parseEnv(readFileSync(path, 'utf8'))).toEqual({
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:43210',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'SLUICEABCDEF0123456789',
      AWS_SECRET_ACCESS_KEY: 'f00d',
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("replaces an earlier start's file, and its looser mode", async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'aws.env'), 'AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:1\nSTALE=1\n', { mode: 0o644 });

    const path = await writeAwsEnv(dir, { ...target, credentials: { ...target.credentials, sessionToken: 'tok' } });

    expect(parseEnv(readFileSync(path, 'utf8'))).toMatchObject({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:43210', AWS_SESSION_TOKEN: 'tok' });
    expect(readFileSync(path, 'utf8')).not.toContain('STALE');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
