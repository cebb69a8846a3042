// The HTTP API: Lambda handlers for the route table's functions, and the event helpers
// the local dev server uses to call them over plain HTTP.
export { createApiHandler, createHandler, logFromEnv, OPERATIONS, type HandlerDeps } from './handler.ts';
export { createFunctionHandler, type FunctionHandlerDeps } from './function.ts';
export {
  createLambdaHandler,
  createLogger,
  errorResponse,
  type ApiHandler,
  type LambdaHandlerOptions,
  type LogSource,
  type Operation,
  type OperationContext,
  type Operations,
} from './lambda.ts';
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
