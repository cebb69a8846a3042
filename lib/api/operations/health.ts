// GET /v1/health. Cheap on purpose: the health function has no storage permissions, and
// a load balancer or uptime check must not cost a DynamoDB read. Answering at all shows
// that API Gateway, auth and Lambda can serve.
import type { Operations } from '../operation.ts';
import { queryParams } from '../validation.ts';

export const healthOperations: Operations = {
  health: async (req) => {
    queryParams(req, []);
    return { status: 200, body: { status: 'ok' } };
  },
};
