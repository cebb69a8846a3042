// The HTTP API, free of Lambda: the route table, request/response normalization (both API
// Gateway payload formats), validation, and the operations per feature. The Lambda
// adapter that serves them is lib/runtime/http.ts; the dev server reaches them through
// lib/local/apiGateway.ts.
export { errorResponse, type Operation, type OperationContext, type Operations } from './operation.ts';
export { OPERATIONS } from './operations/index.ts';
export {
  buildV2Event,
  decodeBody,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  normalizeEvent,
  RECORD_BATCH_TYPE,
  resolveRoute,
  resultToHttp,
  toResult,
  type ApiGatewayEvent,
  type ApiGatewayResult,
  type ApiRequest,
  type ApiResponse,
  type BuildV2EventInput,
  type RawRequest,
} from './http.ts';
export { FUNCTIONS, matchRoute, ROUTES, routeKey, type FunctionName, type RouteDefinition } from './routes.ts';
