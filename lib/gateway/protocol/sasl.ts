// SASL: the mechanism handshake and the authentication exchange carried in
// SaslAuthenticate frames (KIP-152). v0 of SaslHandshake (raw SASL tokens after it) is
// not served.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// SaslHandshakeRequest (key 17; Kafka defines 0-1, flexible none)
//   Mechanism: string  v0+
//
// SaslHandshakeResponse (key 17; Kafka defines 0-1, flexible none)
//   ErrorCode: int16  v0+
//   Mechanisms: []string  v0+
//
// SaslAuthenticateRequest (key 36; Kafka defines 0-2, flexible 2+)
//   AuthBytes: bytes  v0+
//
// SaslAuthenticateResponse (key 36; Kafka defines 0-2, flexible 2+)
//   ErrorCode: int16  v0+
//   ErrorMessage: string?  v0+
//   AuthBytes: bytes  v0+
//   SessionLifetimeMs: int64  v1+
import { f, message } from './schema.ts';

export const SaslHandshakeRequest = message(17, '1', 'none', [
  f('mechanism', 'string', '0+'),
]);

export const SaslHandshakeResponse = message(17, '1', 'none', [
  f('errorCode', 'int16', '0+'),
  f('mechanisms', '[]string', '0+'),
]);

export const SaslAuthenticateRequest = message(36, '0-2', '2+', [
  f('authBytes', 'bytes', '0+'),
]);

export const SaslAuthenticateResponse = message(36, '0-2', '2+', [
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullable: '0+' }),
  f('authBytes', 'bytes', '0+'),
  f('sessionLifetimeMs', 'int64', '1+', { default: 0 }),
]);
