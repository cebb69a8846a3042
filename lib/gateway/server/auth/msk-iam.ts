// The SASL mechanisms of AWS MSK's IAM client libraries, so clients configured for MSK
// IAM (aws-msk-iam-auth for Java, aws-msk-iam-sasl-signer-* for other languages) connect
// unchanged:
//
//   AWS_MSK_IAM   one JSON message: {"version":"2020_10_22","host","user-agent","action":
//                 "kafka-cluster:Connect","x-amz-algorithm","x-amz-credential","x-amz-date",
//                 "x-amz-signedheaders":"host","x-amz-expires","x-amz-signature",
//                 "x-amz-security-token"?}; answered {"version","request-id"}.
//   OAUTHBEARER   RFC 7628 "n,,\x01auth=Bearer <token>\x01\x01" where the token is the
//                 base64url of a SigV4-presigned URL https://kafka.<region>.amazonaws.com/
//                 ?Action=kafka-cluster%3AConnect&X-Amz-...&User-Agent=... (User-Agent is
//                 appended after signing).
//
// Both are SigV4 presigned GET requests for service kafka-cluster: canonical request
// "GET\n/\n<sorted query>\nhost:<host>\n\nhost\n<sha256 of empty>". The gateway checks
// algorithm, action, service, region, host, the time window (x-amz-date within 5 minutes
// of now, not expired, expiry at most 15 minutes), then recomputes the signature with the
// secret of the access key, found by `resolveSecret`. A signature proves possession of a
// secret only to someone holding it: the gateway accepts the keys its resolver knows
// (deployed: a Secrets Manager secret of access key ids to secrets), and refuses others.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, type Mechanism, type Principal } from './index.ts';

export interface IamOptions {
  region: string;
  /** Hosts an AWS_MSK_IAM payload may be signed for (what clients connect to). */
  hosts: string[];
  resolveSecret(accessKeyId: string): Promise<string | undefined>;
  now?: () => number;
}

const SERVICE = 'kafka-cluster';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const ACTION = 'kafka-cluster:Connect';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const MAX_EXPIRES_S = 900;
const SKEW_MS = 5 * 60_000;

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Parses 20201022T101112Z. */
function amzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/**
 * Verifies a presigned request: `query` holds every signed query parameter (without
 * X-Amz-Signature), `host` the signed host header. Returns the principal.
 */
export async function verifyPresigned(opts: IamOptions, host: string, query: Record<string, string>, signature: string): Promise<Principal> {
  const refuse = (why: string) => new AuthenticationError(`IAM authentication failed: ${why}.`);
  if (query['X-Amz-Algorithm'] !== ALGORITHM) throw refuse('unsupported algorithm');
  if (query.Action !== ACTION) throw refuse(`action must be ${ACTION}`);
  if ((query['X-Amz-SignedHeaders'] ?? '').toLowerCase() !== 'host') throw refuse('only the host header may be signed');
  const scope = (query['X-Amz-Credential'] ?? '').split('/');
  if (scope.length !== 5 || scope[3] !== SERVICE || scope[4] !== 'aws4_request') throw refuse('malformed credential scope');
  const [accessKeyId, day, region] = scope as [string, string, string];
  if (region !== opts.region) throw refuse(`region ${region} is not ${opts.region}`);
  const date = query['X-Amz-Date'] ?? '';
  const signedAt = amzDate(date);
  const expires = Number(query['X-Amz-Expires']);
  const now = (opts.now ?? Date.now)();
  if (!Number.isFinite(signedAt) || !date.startsWith(day)) throw refuse('bad date');
  if (!Number.isInteger(expires) || expires <= 0 || expires > MAX_EXPIRES_S) throw refuse('bad expiry');
  if (signedAt > now + SKEW_MS || now > signedAt + expires * 1000) throw refuse('signature expired or not yet valid');

  const secret = await opts.resolveSecret(accessKeyId);
  if (secret === undefined) throw refuse('unknown access key');
  const canonicalQuery = Object.keys(query)
    .map((k) => [rfc3986(k), rfc3986(query[k]!)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = `GET\n/\n${canonicalQuery}\nhost:${host}\n\nhost\n${EMPTY_SHA256}`;
  const stringToSign = `${ALGORITHM}\n${date}\n${day}/${region}/${SERVICE}/aws4_request\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  for (const part of [region, SERVICE, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse('signature does not match');
  return { name: accessKeyId, mechanism: '' };
}

function awsMskIam(opts: IamOptions): Mechanism {
  return {
    name: 'AWS_MSK_IAM',
    start: () => ({
      async step(message) {
        let p: Record<string, unknown>;
        try {
          p = JSON.parse(message.toString('utf8')) as Record<string, unknown>;
        } catch {
          throw new AuthenticationError('IAM authentication failed: the payload is not JSON.');
        }
        const s = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : '');
        if (s('version') !== '2020_10_22') throw new AuthenticationError('IAM authentication failed: unsupported payload version.');
        if (!opts.hosts.includes(s('host'))) throw new AuthenticationError(`IAM authentication failed: signed for host '${s('host')}'.`);
        const query: Record<string, string> = {
          Action: s('action'),
          'X-Amz-Algorithm': s('x-amz-algorithm'),
          'X-Amz-Credential': s('x-amz-credential'),
          'X-Amz-Date': s('x-amz-date'),
          'X-Amz-Expires': s('x-amz-expires'),
          'X-Amz-SignedHeaders': s('x-amz-signedheaders'),
          ...(s('x-amz-security-token') ? { 'X-Amz-Security-Token': s('x-amz-security-token') } : {}),
        };
        const principal = await verifyPresigned(opts, s('host'), query, s('x-amz-signature'));
        const response = Buffer.from(JSON.stringify({ version: '2020_10_22', 'request-id': randomUUID() }));
        return { response, principal: { ...principal, mechanism: 'AWS_MSK_IAM' } };
      },
    }),
  };
}

function oauthBearer(opts: IamOptions): Mechanism {
  return {
    name: 'OAUTHBEARER',
    start: () => ({
      async step(message) {
        const m = /^[ny],[^,]*,\u0001(?:[^\u0001]*\u0001)*?auth=Bearer ([^\u0001]+)\u0001/.exec(message.toString('utf8'));
        if (!m) throw new AuthenticationError('OAUTHBEARER authentication failed: malformed client message.');
        let url: URL;
        try {
          url = new URL(Buffer.from(m[1]!.trim(), 'base64url').toString('utf8'));
        } catch {
          throw new AuthenticationError('OAUTHBEARER authentication failed: the token is not an MSK IAM token.');
        }
        if (url.host !== `kafka.${opts.region}.amazonaws.com`) {
          throw new AuthenticationError(`OAUTHBEARER authentication failed: token signed for '${url.host}'.`);
        }
        const query: Record<string, string> = {};
        for (const [k, v] of url.searchParams) if (k !== 'X-Amz-Signature' && k !== 'User-Agent') query[k] = v;
        const principal = await verifyPresigned(opts, url.host, query, url.searchParams.get('X-Amz-Signature') ?? '');
        return { response: Buffer.alloc(0), principal: { ...principal, mechanism: 'OAUTHBEARER' } };
      },
    }),
  };
}

export const createMskIamMechanisms = (opts: IamOptions): Mechanism[] => [awsMskIam(opts), oauthBearer(opts)];
