// From a request frame to a response frame: read the header, find the API and check the
// version, enforce authentication, decode the body with the API's schema, run its handler
// and encode the answer at the same version. Everything up to the handler call runs
// synchronously, so handlers see requests in the order the connection sent them.
import { API_BY_KEY } from '../protocol/apis.ts';
import { decodeMessage, encodeMessage } from '../protocol/codec.ts';
import { E } from '../protocol/errors.ts';
import { API_VERSIONS_KEY, finishFrame, readHeaderStart, skipHeaderTags, startResponse } from '../protocol/header.ts';
import { ProtocolError, Reader, Writer } from '../protocol/primitives.ts';
import { within, type Message } from '../protocol/schema.ts';
import { apiVersionsBody } from '../handlers/api-versions.ts';
import { HANDLERS } from '../handlers/index.ts';
import { NO_RESPONSE, type ConnectionState, type GatewayServices, type HandlerResult } from './context.ts';

/** APIs served before authentication completes. */
const BEFORE_AUTH = new Set([API_VERSIONS_KEY, 17, 36]);

export interface Dispatched {
  /** The response frame, or undefined when none is sent (acks=0). */
  response: Promise<Buffer | undefined>;
}

export function dispatch(services: GatewayServices, conn: ConnectionState, frame: Buffer): Dispatched {
  const r = new Reader(frame);
  const header = readHeaderStart(r);
  const api = API_BY_KEY.get(header.apiKey);
  if (!api) throw new ProtocolError(`unknown API key ${header.apiKey}`);
  if (services.auth.required && !conn.principal && !BEFORE_AUTH.has(api.key)) {
    throw new ProtocolError(`${api.name} before authentication`);
  }
  const version = header.apiVersion;
  if (!within(api.request.versions, version)) {
    // KIP-511: an ApiVersions request we cannot parse is answered at v0 with our ranges.
    if (api.key === API_VERSIONS_KEY) {
      return { response: Promise.resolve(frameOf(api.key, 0, header.correlationId, { ...apiVersionsBody(), errorCode: E.UNSUPPORTED_VERSION })) };
    }
    throw new ProtocolError(`${api.name} v${version} is not served`);
  }
  const flexible = within(api.request.flexible, version);
  if (flexible) skipHeaderTags(r);
  const body = decodeMessage(api.request, version, r);
  if (r.remaining !== 0 && api.key !== API_VERSIONS_KEY) {
    throw new ProtocolError(`${r.remaining} bytes after the ${api.name} request body`);
  }
  const handler = HANDLERS.get(api.key)!;
  const result = handler({ services, conn, apiVersion: version, clientId: header.clientId }, body);
  const response = Promise.resolve(result).then((answer: HandlerResult) =>
    answer === NO_RESPONSE ? undefined : frameOf(api.key, version, header.correlationId, answer),
  );
  return { response };
}

function frameOf(apiKey: number, version: number, correlationId: number, body: Message): Buffer {
  const api = API_BY_KEY.get(apiKey)!;
  const w = new Writer(256);
  startResponse(w, correlationId, apiKey !== API_VERSIONS_KEY && within(api.response.flexible, version));
  encodeMessage(api.response, version, body, w);
  return finishFrame(w);
}
