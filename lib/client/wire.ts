// What the SDK publishes of the wire for tools built on it (the console's pages and its
// signing proxy): the content types and fetch headers of the HTTP API, and the bounded
// concurrency the SDK itself uses, so such tools need nothing of lib/ but the SDK.
export { FETCH_HEADERS, JSON_TYPE, RECORD_BATCH_TYPE } from '../core/wire.ts';
export { inParallel } from '../core/parallel.ts';
