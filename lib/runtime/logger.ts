// The Powertools logger every function logs through. On its own so that the adapters of
// every kind share it without bundling the HTTP layer (the dispatcher has no routes).
import { Logger } from '@aws-lambda-powertools/logger';

export function createLogger(serviceName = 'sluice'): Logger {
  const fromEnv = process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL;
  const underTest = Boolean(process.env.VITEST) || process.env.NODE_ENV === 'test';
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || serviceName,
    ...(!fromEnv && underTest ? { logLevel: 'SILENT' as const } : {}),
  });
}
