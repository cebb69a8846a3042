// Starts one PostgreSQL (see postgres.ts) for the run's change-data-capture tests and
// hands its address and credentials to them through inject('postgres'). Each test file
// creates a database of its own (usePostgresDatabase in pgDatabase.ts), so files run in
// parallel without seeing each other's tables, slots or publications.
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.ts';

export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresEndpoint;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgres', { host: server.host, port: server.port, user: server.user, password: server.password });
  return () => server.stop();
}
