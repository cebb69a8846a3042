// The Powertools logger every function logs through. On its own so that a function
// without HTTP routes (the dispatcher) can log without bundling the HTTP layer.
import { Logger } from '@aws-lambda-powertools/logger';

export function createLogger(serviceName = 'sluice'): Logger {
  const fromEnv = process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL;
  const underTest = Boolean(process.env.VITEST) || process.env.NODE_ENV === 'test';
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || serviceName,
    ...(!fromEnv && underTest ? { logLevel: 'SILENT' as const } : {}),
  });
}
