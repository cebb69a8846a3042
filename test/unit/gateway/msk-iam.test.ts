// SigV4 verification of MSK IAM signatures, against the AWS SDK's own signer: the time
// window, the region and the action are checked as well as the signature.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../../lib/gateway/server/auth/index.ts';
import { verifyPresigned, type IamOptions } from '../../../lib/gateway/server/auth/msk-iam.ts';

const KEY = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const SIGNED_AT = Date.UTC(2026, 0, 2, 3, 4, 5);

async function presigned(opts: { region?: string; action?: string; expiresIn?: number } = {}) {
  const signer = new SignatureV4({ service: 'kafka-cluster', region: opts.region ?? 'us-east-1', credentials: KEY, sha256: Sha256 });
  const req = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname: 'broker', path: '/', query: { Action: opts.action ?? 'kafka-cluster:Connect' }, headers: { host: 'broker' } },
    { expiresIn: opts.expiresIn ?? 900, signingDate: new Date(SIGNED_AT) },
  );
  const { 'X-Amz-Signature': signature, ...query } = req.query as Record<string, string>;
  return { query, signature: signature! };
}

const options = (now: number): IamOptions => ({
  region: 'us-east-1', hosts: ['broker'], now: () => now, resolveSecret: async (id) => (id === KEY.accessKeyId ? KEY.secretAccessKey : undefined),
});

describe('verifyPresigned', () => {
  it('accepts a signature within its window and names the access key', async () => {
    const { query, signature } = await presigned();
    await expect(verifyPresigned(options(SIGNED_AT + 60_000), 'broker', query, signature)).resolves.toMatchObject({ name: 'AKIDTEST' });
  });

  it('refuses an expired signature, one from the future, another region, another action or an unknown key', async () => {
    const { query, signature } = await presigned();
    await expect(verifyPresigned(options(SIGNED_AT + 901_000), 'broker', query, signature)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(verifyPresigned(options(SIGNED_AT - 600_000), 'broker', query, signature)).rejects.toThrow(/not yet valid/);
    const other = await presigned({ region: 'eu-west-1' });
    await expect(verifyPresigned(options(SIGNED_AT), 'broker', other.query, other.signature)).rejects.toThrow(/region/);
    const action = await presigned({ action: 'kafka-cluster:ReadData' });
    await expect(verifyPresigned(options(SIGNED_AT), 'broker', action.query, action.signature)).rejects.toThrow(/action/);
    const unknown = { ...query, 'X-Amz-Credential': query['X-Amz-Credential']!.replace('AKIDTEST', 'AKIDOTHER') };
    await expect(verifyPresigned(options(SIGNED_AT), 'broker', unknown, signature)).rejects.toThrow(/unknown access key/);
  });

  it('refuses a signature for another host or with a changed parameter', async () => {
    const { query, signature } = await presigned();
    await expect(verifyPresigned(options(SIGNED_AT), 'other-host', query, signature)).rejects.toThrow(/signature/);
    await expect(verifyPresigned(options(SIGNED_AT), 'broker', { ...query, 'X-Amz-Expires': '60' }, signature)).rejects.toThrow(/signature/);
  });
});
