// SASL through the gateway: PLAIN and SCRAM with kafkajs, MSK IAM payloads signed by the
// AWS SDK's own SigV4 signer (AWS_MSK_IAM and the OAUTHBEARER token form), and the gate
// that serves nothing else before authentication.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { useGateway, uniqueName } from './harness.ts';
import { RawConnection } from './raw.ts';

const REGION = 'eu-west-1';
const KEY = { accessKeyId: 'AKIDGATEWAYTEST', secretAccessKey: 'gateway-test-secret' };
const h = useGateway({
  auth: {
    users: { alice: 'alice-secret' },
    iam: { region: REGION, hosts: ['127.0.0.1'], resolveSecret: async (id) => (id === KEY.accessKeyId ? KEY.secretAccessKey : undefined) },
  },
});

async function presign(host: string, secret = KEY.secretAccessKey): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'kafka-cluster', region: REGION, credentials: { ...KEY, secretAccessKey: secret }, sha256: Sha256 });
  const req = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname: host, path: '/', query: { Action: 'kafka-cluster:Connect' }, headers: { host } },
    { expiresIn: 900 },
  );
  return req.query as Record<string, string>;
}

async function authenticate(mechanism: string, message: Buffer): Promise<{ handshake: number; auth: number }> {
  const conn = await RawConnection.open(h.gateway().port);
  const hs = await conn.request(17, 1, { mechanism });
  const auth = await conn.request(36, 2, { authBytes: message });
  const metadata = auth.errorCode === 0 ? await conn.request(3, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }) : undefined;
  if (auth.errorCode === 0) expect(metadata!.brokers).toHaveLength(1);
  conn.close();
  return { handshake: hs.errorCode, auth: auth.errorCode };
}

const mskPayload = (q: Record<string, string>, host: string) =>
  Buffer.from(
    JSON.stringify({
      version: '2020_10_22', host, 'user-agent': 'test', action: q.Action,
      'x-amz-algorithm': q['X-Amz-Algorithm'], 'x-amz-credential': q['X-Amz-Credential'], 'x-amz-date': q['X-Amz-Date'],
      'x-amz-signedheaders': q['X-Amz-SignedHeaders'], 'x-amz-expires': q['X-Amz-Expires'], 'x-amz-signature': q['X-Amz-Signature'],
    }),
  );

describe('authentication at the gateway', () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`lets kafkajs in with ${mechanism} and the right password, not with a wrong one`, async () => {
      const admin = h.kafka({ sasl: { mechanism, username: 'alice', password: 'alice-secret' } as never }).admin();
      await admin.connect();
      const topic = uniqueName('auth');
      await admin.createTopics({ topics: [{ topic }] });
      expect(await admin.listTopics()).toContain(topic);
      await admin.disconnect();
      const wrong = h.kafka({ sasl: { mechanism, username: 'alice', password: 'nope' } as never, retry: { retries: 0 } }).admin();
      await expect(wrong.connect()).rejects.toThrow(/SASL|auth/i);
    });
  }

  it('closes a connection that asks for anything but ApiVersions and SASL before authenticating', async () => {
    const conn = await RawConnection.open(h.gateway().port);
    conn.send(Buffer.from([0, 0, 0, 14, 0, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    await conn.closed;
  });

  it('accepts an AWS_MSK_IAM payload signed with a known key, and refuses a wrong secret or host', async () => {
    expect(await authenticate('AWS_MSK_IAM', mskPayload(await presign('127.0.0.1'), '127.0.0.1'))).toEqual({ handshake: 0, auth: 0 });
    expect((await authenticate('AWS_MSK_IAM', mskPayload(await presign('127.0.0.1', 'forged'), '127.0.0.1'))).auth).toBe(58);
    expect((await authenticate('AWS_MSK_IAM', mskPayload(await presign('elsewhere'), 'elsewhere'))).auth).toBe(58);
  });

  it('accepts the OAUTHBEARER token form of an MSK IAM signature', async () => {
    const host = `kafka.${REGION}.amazonaws.com`;
    const q = await presign(host);
    const url = `https://${host}/?${new URLSearchParams({ ...q, 'User-Agent': 'aws-msk-iam-sasl-signer' }).toString()}`;
    const token = Buffer.from(url).toString('base64url');
    expect(await authenticate('OAUTHBEARER', Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`))).toEqual({ handshake: 0, auth: 0 });
    const tampered = Buffer.from(url.replace('Action=kafka-cluster', 'Action=kafka-cluster%3AConnect&x=1&Action2=kafka-cluster')).toString('base64url');
    expect((await authenticate('OAUTHBEARER', Buffer.from(`n,,\u0001auth=Bearer ${tampered}\u0001\u0001`))).auth).toBe(58);
  });

  it('refuses a mechanism it does not offer', async () => {
    const conn = await RawConnection.open(h.gateway().port);
    const hs = await conn.request(17, 1, { mechanism: 'GSSAPI' });
    expect(hs.errorCode).toBe(33);
    expect(hs.mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'AWS_MSK_IAM', 'OAUTHBEARER']);
    conn.close();
  });
});
