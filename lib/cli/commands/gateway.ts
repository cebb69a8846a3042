// sluice gateway — a Kafka-protocol gateway node over the storage named by the
// environment (SLUICE_TABLE_*, SLUICE_BUCKET; AWS_ENDPOINT_URL for LocalStack), until
// Ctrl-C / SIGTERM. `sluice dev` already runs one on 127.0.0.1:9092 over its own stack.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, UsageError } from '../errors.ts';
import { parseInteger } from '../parse.ts';

interface GatewayFlags {
  port?: number;
  host?: string;
  advertisedHost?: string;
  advertisedPort?: number;
  lingerMs?: number;
  usersFile?: string;
}

export function registerGateway(program: Command): void {
  const port = (what: string) => (v: string) => parseInteger(v, what, { min: 0, max: 65535 });
  program
    .command('gateway')
    .description('serve the Kafka wire protocol over Sluice storage (storage from SLUICE_* environment variables)')
    .option('--port <n>', 'port to listen on (default 9092)', port('--port'))
    .option('--host <host>', 'address to bind (default 127.0.0.1; others need --users-file or IAM)')
    .option('--advertised-host <host>', 'host clients are told to connect to')
    .option('--advertised-port <n>', 'port clients are told to connect to', port('--advertised-port'))
    .option('--linger-ms <n>', 'how long produce requests wait to be written together (default 5)', (v) =>
      parseInteger(v, '--linger-ms', { min: 0, max: 1000 }),
    )
    .option('--users-file <file>', 'JSON {"user": "password"} for SASL PLAIN and SCRAM')
    .action(async (flags: GatewayFlags) => {
      const { gatewayOptionsFromEnv, runGateway } = await import('../../gateway/main.ts');
      const opts = gatewayOptionsFromEnv();
      let users: Record<string, string> | undefined;
      if (flags.usersFile) {
        try {
          users = JSON.parse(readFileSync(flags.usersFile, 'utf8')) as Record<string, string>;
        } catch (err) {
          throw new UsageError(`--users-file: ${(err as Error).message}`);
        }
      }
      let gateway: Awaited<ReturnType<typeof runGateway>>;
      try {
        gateway = await runGateway({
          ...opts,
          ...(flags.port !== undefined ? { port: flags.port } : {}),
          ...(flags.host ? { host: flags.host } : {}),
          ...(flags.advertisedHost ? { advertisedHost: flags.advertisedHost } : {}),
          ...(flags.advertisedPort !== undefined ? { advertisedPort: flags.advertisedPort } : {}),
          ...(flags.lingerMs !== undefined ? { lingerMs: flags.lingerMs } : {}),
          auth: { ...opts.auth, ...(users ? { users } : {}) },
        });
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      process.stdout.write(`Kafka gateway listening on ${gateway.host}:${gateway.port}. Press Ctrl-C to stop.\n`);
      await new Promise<void>((done) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          void gateway.close().finally(done);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
