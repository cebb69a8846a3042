// SaslHandshake and SaslAuthenticate. The handshake picks a mechanism for the connection;
// each SaslAuthenticate frame is one step of it. A failed step is answered with
// SASL_AUTHENTICATION_FAILED and the connection is closed after the answer, as Kafka does.
import { E } from '../protocol/errors.ts';
import { AuthenticationError, type SaslSession } from '../server/auth/index.ts';
import type { Handler } from '../server/context.ts';

export const handleSaslHandshake: Handler = (ctx, req) => {
  const { auth } = ctx.services;
  const session = ctx.conn.principal ? undefined : auth.start(req.mechanism);
  if (!session) {
    return { errorCode: ctx.conn.principal ? E.ILLEGAL_SASL_STATE : E.UNSUPPORTED_SASL_MECHANISM, mechanisms: auth.mechanisms };
  }
  ctx.conn.sasl = { mechanism: req.mechanism, step: session };
  return { errorCode: E.NONE, mechanisms: auth.mechanisms };
};

export const handleSaslAuthenticate: Handler = async (ctx, req) => {
  const session = ctx.conn.sasl?.step as SaslSession | undefined;
  const fail = (errorCode: number, message: string) => {
    ctx.conn.closeAfterResponse = true;
    return { errorCode, errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
  };
  if (!session || ctx.conn.principal) return fail(E.ILLEGAL_SASL_STATE, 'SaslAuthenticate without a SaslHandshake.');
  try {
    const out = await session.step(req.authBytes);
    if (out.principal) {
      ctx.conn.principal = out.principal;
      ctx.conn.sasl = undefined;
    }
    return { errorCode: E.NONE, errorMessage: null, authBytes: out.response, sessionLifetimeMs: 0 };
  } catch (err) {
    if (!(err instanceof AuthenticationError)) throw err;
    return fail(E.SASL_AUTHENTICATION_FAILED, err.message);
  }
};
