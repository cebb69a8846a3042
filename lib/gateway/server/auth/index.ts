// SASL authentication for the gateway. Mechanisms are small state machines: each
// SaslAuthenticate frame is one step, and the last step yields the principal. Locally the
// gateway serves PLAIN and SCRAM-SHA-256/512 with users from its config; deployed it also
// serves the mechanisms AWS MSK's IAM client libraries use (msk-iam.ts). With no
// mechanism configured, authentication is off (the local default: loopback only).
import { createMskIamMechanisms, type IamOptions } from './msk-iam.ts';
import { plainMechanism } from './plain.ts';
import { scramMechanism } from './scram.ts';

export interface Principal {
  name: string;
  mechanism: string;
}

export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export interface SaslStep {
  /** Bytes for the client (SaslAuthenticate's auth_bytes). */
  response: Buffer;
  /** Set on the final step. */
  principal?: Principal;
}

/** One exchange: call `step` with each client message; throws AuthenticationError on refusal. */
export interface SaslSession {
  step(message: Buffer): Promise<SaslStep>;
}

export interface Mechanism {
  name: string;
  start(): SaslSession;
}

export interface AuthOptions {
  /** username -> password, for PLAIN and SCRAM. */
  users?: Record<string, string>;
  /** Accept AWS_MSK_IAM and OAUTHBEARER tokens of MSK's IAM libraries. */
  iam?: IamOptions;
}

export interface Authenticator {
  required: boolean;
  mechanisms: string[];
  start(mechanism: string): SaslSession | undefined;
}

export function createAuthenticator(opts: AuthOptions = {}): Authenticator {
  const list: Mechanism[] = [];
  const users = opts.users ?? {};
  if (Object.keys(users).length > 0) {
    list.push(plainMechanism(users), scramMechanism('SCRAM-SHA-256', users), scramMechanism('SCRAM-SHA-512', users));
  }
  if (opts.iam) list.push(...createMskIamMechanisms(opts.iam));
  const byName = new Map(list.map((m) => [m.name, m]));
  return {
    required: list.length > 0,
    mechanisms: list.map((m) => m.name),
    start: (name) => byName.get(name)?.start(),
  };
}
