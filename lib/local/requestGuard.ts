// Who may talk to the dev server. It has no authentication and listens on loopback, so
// the only callers it must keep out are web pages the user happens to visit, which can
// reach loopback through the browser:
//
//   Host             must name this server: a loopback name (127.0.0.1, localhost, [::1])
//                    and its port. A page on attacker.example whose DNS later points at
//                    127.0.0.1 (DNS rebinding) sends `Host: attacker.example`: refused.
//                    An absolute-form request target must name the same.
//   Origin           a browser sends it on every cross-origin request and on every POST,
//                    PUT, PATCH and DELETE: if present, it must be this server's own
//                    origin (`http://` + the Host it was addressed by), as for a page this
//                    server serves itself. Anything else, `null` included, is refused.
//   Sec-Fetch-Site   if present, `same-origin` or `none` (typed by the user); `same-site`
//                    and `cross-site` are refused (this catches requests that carry no
//                    Origin, such as an <img> or <script> tag).
//   Content-Type     a request with a body must declare JSON or a Kafka record batch.
//                    Neither is a type a page may send cross-origin without a CORS
//                    preflight, and the server answers no preflight, so a cross-site form
//                    or a no-cors fetch can never deliver a body.
//
// The server sends no CORS headers at all. Clients that are not browsers (the CLI, the
// SDK, curl) send neither Origin nor Sec-Fetch-Site and are unaffected.
import type { IncomingHttpHeaders } from 'node:http';
import { ClusterAuthorizationError, UnsupportedMediaTypeError, type SluiceError } from '../core/errors.ts';
import { JSON_TYPE, mediaType, RECORD_BATCH_TYPE } from '../api/http.ts';

/** The names a loopback server may be addressed by, as they appear in a Host header. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const BODY_TYPES = [JSON_TYPE, RECORD_BATCH_TYPE];
const ALLOWED_FETCH_SITES = new Set(['same-origin', 'none']);

export interface GuardedRequest {
  headers: IncomingHttpHeaders;
  /** The request target as received (origin-form `/path`, or absolute-form `http://host/path`). */
  url: string;
}

/** The Host values that address a loopback server on `port`. */
export function allowedHosts(port: number): Set<string> {
  return new Set(LOOPBACK_NAMES.flatMap((name) => (port === 80 ? [name, `${name}:80`] : [`${name}:${port}`])));
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** scheme://host[:port] of a URL (default port left out), or undefined if it is none. */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** Whether the request has a body (a length above zero, or chunked). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = one(headers['content-length']);
  if (length !== undefined) return Number(length) > 0;
  return headers['transfer-encoding'] !== undefined;
}

/**
 * The reason to refuse a request, or undefined to serve it: 403 CLUSTER_AUTHORIZATION_FAILED
 * for a foreign Host or a cross-origin browser request, 415 UNSUPPORTED_MEDIA_TYPE for a
 * body of another type.
 */
export function refusal(req: GuardedRequest, hosts: ReadonlySet<string>): SluiceError | undefined {
  const host = one(req.headers.host)?.toLowerCase();
  if (host === undefined || !hosts.has(host)) {
    return new ClusterAuthorizationError(
      `The dev server answers only requests addressed to it on loopback (Host ${[...hosts].join(', ')}); got Host '${host ?? ''}'.`,
    );
  }
  const own = originOf(`http://${host}`)!;
  if (!req.url.startsWith('/') && originOf(req.url) !== own) {
    return new ClusterAuthorizationError(`The request target '${req.url}' does not name this server.`);
  }
  const origin = one(req.headers.origin);
  if (origin !== undefined && originOf(origin) !== own) {
    return new ClusterAuthorizationError(`Cross-origin requests are refused: Origin '${origin}' is not ${own}.`);
  }
  const site = one(req.headers['sec-fetch-site'])?.toLowerCase();
  if (site !== undefined && !ALLOWED_FETCH_SITES.has(site)) {
    return new ClusterAuthorizationError(`Cross-origin requests are refused (Sec-Fetch-Site: ${site}).`);
  }
  if (hasBody(req.headers)) {
    const type = mediaType(one(req.headers['content-type']));
    if (type === undefined || !BODY_TYPES.includes(type)) {
      return new UnsupportedMediaTypeError(
        `A request body must be sent as ${BODY_TYPES.join(' or ')}${type === undefined ? ' (no Content-Type was given)' : `, not '${type}'`}.`,
        { supported: BODY_TYPES },
      );
    }
  }
  return undefined;
}
