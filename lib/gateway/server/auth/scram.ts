// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), without channel binding, as
// Kafka serves them:
//
//   client-first  "n,,n=<user>,r=<client nonce>"
//   server-first  "r=<client nonce><server nonce>,s=<salt b64>,i=<iterations>"
//   client-final  "c=biws,r=<nonce>,p=<proof b64>"
//   server-final  "v=<server signature b64>"
//
// Each user's salted password is derived once per process, with a random salt, from the
// configured password.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, type Mechanism } from './index.ts';

const ITERATIONS = 4096;

interface Credential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const unescapeName = (s: string) => s.replace(/=2C/g, ',').replace(/=3D/g, '=');

function attributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    const i = part.indexOf('=');
    if (i === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

export function scramMechanism(name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', users: Record<string, string>): Mechanism {
  const hash = name === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const size = hash === 'sha256' ? 32 : 64;
  const hmac = (key: Buffer, data: string) => createHmac(hash, key).update(data, 'utf8').digest();
  const credentials = new Map<string, Credential>();
  const credentialOf = (user: string): Credential | undefined => {
    if (!Object.hasOwn(users, user)) return undefined;
    let c = credentials.get(user);
    if (!c) {
      const salt = randomBytes(16);
      const salted = pbkdf2Sync(users[user]!, salt, ITERATIONS, size, hash);
      c = { salt, storedKey: createHash(hash).update(hmac(salted, 'Client Key')).digest(), serverKey: hmac(salted, 'Server Key') };
      credentials.set(user, c);
    }
    return c;
  };
  const fail = () => new AuthenticationError('Authentication failed during SCRAM exchange: invalid username or password.');

  return {
    name,
    start: () => {
      let first: { bare: string; serverFirst: string; nonce: string; user: string; cred: Credential } | undefined;
      return {
        async step(message) {
          const text = message.toString('utf8');
          if (!first) {
            const m = /^[ny],[^,]*,(.*)$/.exec(text);
            if (!m) throw new AuthenticationError('Malformed SCRAM client-first message (channel binding is not supported).');
            const bare = m[1]!;
            const attrs = attributes(bare);
            const user = unescapeName(attrs.get('n') ?? '');
            const clientNonce = attrs.get('r') ?? '';
            const cred = credentialOf(user);
            if (!clientNonce || !cred) throw fail();
            const nonce = clientNonce + randomBytes(18).toString('base64');
            const serverFirst = `r=${nonce},s=${cred.salt.toString('base64')},i=${ITERATIONS}`;
            first = { bare, serverFirst, nonce, user, cred };
            return { response: Buffer.from(serverFirst) };
          }
          const attrs = attributes(text);
          const proofAt = text.lastIndexOf(',p=');
          if (attrs.get('r') !== first.nonce || proofAt < 0) throw fail();
          const withoutProof = text.slice(0, proofAt);
          const authMessage = `${first.bare},${first.serverFirst},${withoutProof}`;
          const proof = Buffer.from(attrs.get('p') ?? '', 'base64');
          const signature = hmac(first.cred.storedKey, authMessage);
          if (proof.length !== signature.length) throw fail();
          const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
          if (!timingSafeEqual(createHash(hash).update(clientKey).digest(), first.cred.storedKey)) throw fail();
          const serverSignature = hmac(first.cred.serverKey, authMessage).toString('base64');
          return { response: Buffer.from(`v=${serverSignature}`), principal: { name: first.user, mechanism: name } };
        },
      };
    },
  };
}
