// SASL PLAIN (RFC 4616): one message, "authzid NUL authcid NUL password". Passwords are
// compared in constant time; an authorization id other than the user's own is refused.
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, type Mechanism } from './index.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function plainMechanism(users: Record<string, string>): Mechanism {
  return {
    name: 'PLAIN',
    start: () => ({
      async step(message) {
        const parts = message.toString('utf8').split('\u0000');
        if (parts.length !== 3) throw new AuthenticationError('Malformed PLAIN message.');
        const [authzid, user, password] = parts as [string, string, string];
        const known = Object.hasOwn(users, user) ? users[user]! : undefined;
        // Compare digests so the time taken says nothing about the password's length.
        const ok = known !== undefined && timingSafeEqual(digest(known), digest(password));
        if (!ok || (authzid !== '' && authzid !== user)) throw new AuthenticationError('Authentication failed: invalid username or password.');
        return { response: Buffer.alloc(0), principal: { name: user, mechanism: 'PLAIN' } };
      },
    }),
  };
}
