// GET /v1/health. Built from the HTTP adapter alone, without storage, so the bundle stays
// small and cold starts fast: no AWS SDK.
import { healthOperations } from '../lib/api/operations/health.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';

export const handler = createHttpHandler({ fn: 'health', operations: healthOperations });
