// GET /v1/health. Built from the SDK-free core so the bundle stays small and cold
// starts fast: no storage, no AWS SDK.
import { createLambdaHandler } from '../lib/api/lambda.ts';
import { healthOperations } from '../lib/api/operations/health.ts';

export const handler = createLambdaHandler({ fn: 'health', operations: healthOperations });
