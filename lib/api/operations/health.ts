// GET /v1/health, and GET /v1/push (where push connections go). Cheap on purpose: the
// health function has no storage permissions, and a load balancer or uptime check must
// not cost a DynamoDB read. Answering at all shows that API Gateway, auth and Lambda can
// serve.
import type { PushEndpoint } from '../../core/push.ts';
import type { Operations } from '../operation.ts';
import { queryParams } from '../validation.ts';

/** The push WebSocket API's URL (wss://…/{stage}), set by CDK on the health function. */
export const PUSH_URL_ENV_VAR = 'SLUICE_PUSH_URL';

/** The health operations, naming `pushUrl` (a function of the request's Host, for the dev server) as the push endpoint. */
export function healthOperationsFor(pushUrl: (host: string | undefined) => string | null): Operations {
  return {
    health: async (req) => {
      queryParams(req, []);
      return { status: 200, body: { status: 'ok' } };
    },
    describePush: async (req) => {
      queryParams(req, []);
      const body: PushEndpoint = { url: pushUrl(req.headers.host) };
      return { status: 200, body };
    },
  };
}

export const healthOperations: Operations = healthOperationsFor(() => process.env[PUSH_URL_ENV_VAR] || null);
