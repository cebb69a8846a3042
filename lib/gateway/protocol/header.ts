// Request and response headers (RequestHeader.json, ResponseHeader.json) and framing.
//
//   Frame          => size:int32 body:byte[size]
//   RequestHeader  => api_key:int16 api_version:int16 correlation_id:int32
//                     client_id:nullable string (int16 length, never compact)
//                     [TaggedFields]            (header v2: flexible request versions)
//   ResponseHeader => correlation_id:int32 [TaggedFields]  (v1: flexible response versions)
//
// ApiVersions' response always uses header v0, whatever its version, so that a client
// can read it before it knows which versions the broker speaks.
import { ProtocolError, Reader, Writer } from './primitives.ts';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export const API_VERSIONS_KEY = 18;

/** The fixed part of the header: enough to pick the API and version and to answer. */
export function readHeaderStart(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.string(false);
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Skips the tagged fields of a v2 request header (none are defined that we use). */
export function skipHeaderTags(r: Reader): void {
  const count = r.uvarint();
  if (count > r.remaining) throw new ProtocolError(`${count} header tags in ${r.remaining} bytes`);
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.raw(r.uvarint());
  }
}

export function writeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId).string(h.clientId, false);
  if (flexible) w.uvarint(0);
}

/** Starts a response frame: size placeholder and header. Call finishFrame when the body is written. */
export function startResponse(w: Writer, correlationId: number, flexibleHeader: boolean): void {
  w.int32(0).int32(correlationId);
  if (flexibleHeader) w.uvarint(0);
}

export function finishFrame(w: Writer): Buffer {
  w.setInt32(0, w.pos - 4);
  return w.finish();
}
