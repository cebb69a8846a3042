// sluice dev — the local stack and API on loopback, until Ctrl-C, SIGTERM, SIGHUP or the
// end of the process that started it (lib/local/lifecycle.ts).
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_ENDPOINT } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { parseInteger } from '../parse.ts';

interface DevOptions {
  port: number;
  host: string;
  dataDir: string;
  verbose?: boolean;
  emulatorLogs?: boolean;
  maintenanceInterval: number;
  allowModules?: string[];
  kafkaPort: number;
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run Sluice locally: emulators (DynamoDB Local + S3) and the API on loopback')
    .option('--port <n>', 'port to listen on', (v) => parseInteger(v, '--port', { min: 0, max: 65535 }), 9192)
    .option('--host <host>', 'loopback address to bind (127.0.0.1, localhost or ::1)', '127.0.0.1')
    .option('--data-dir <dir>', 'where the emulators keep data across restarts', '.sluice')
    .option('-v, --verbose', 'log every request to stderr')
    .option('--emulator-logs', 'show DynamoDB Local\'s own output')
    .option(
      '--allow-modules <dir>',
      'a directory subscription module targets, connector modules and topology modules (sluice processors run) may be imported from (repeatable; default: the working directory)',
      (v: string, previous: string[] | undefined) => [...(previous ?? []), v],
    )
    .option(
      '--maintenance-interval <seconds>',
      'run retention, compaction and cleanup this often (0: never)',
      (v) => parseInteger(v, '--maintenance-interval', { min: 0, max: 86_400 }),
      60,
    )
    .option('--kafka-port <n>', 'serve the Kafka protocol on this port (0: off)', (v) => parseInteger(v, '--kafka-port', { min: 0, max: 65535 }), 9092)
    .action(async (opts: DevOptions) => {
      if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
        throw new UsageError(`--host must be a loopback address (127.0.0.1, localhost or ::1), not '${opts.host}': the dev server has no authentication.`);
      }
      const { startDevServer, realModuleDirs } = await import('../../local/devServer.ts');
      const { serveUntilStopped } = await import('../../local/lifecycle.ts');
      const { quickstartLines } = await import('../../local/quickstart.ts');
      const dataDir = resolve(opts.dataDir);
      let moduleDirs: string[];
      try {
        moduleDirs = realModuleDirs(opts.allowModules ?? [process.cwd()]);
      } catch (err) {
        throw new UsageError(`--allow-modules: ${(err as Error).message}`);
      }
      // Once the terminal is gone (SIGHUP), writing to it fails; stopping must not.
      process.stderr.on('error', () => {});
      let server: Awaited<ReturnType<typeof startDevServer>>;
      try {
        server = await startDevServer({
          port: opts.port,
          host: opts.host,
          dataDir,
          moduleDirs,
          quiet: !opts.emulatorLogs,
          maintenanceIntervalMs: opts.maintenanceInterval * 1000,
          ...(opts.kafkaPort > 0 ? { kafkaPort: opts.kafkaPort } : {}),
          ...(opts.verbose ? { accessLog: (line: string) => process.stderr.write(`${line}\n`) } : {}),
        });
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      // Stop requests are honoured from here on: a signal sent as soon as the banner is
      // read (a supervisor, a test) stops the stack instead of killing the process.
      const stopped = serveUntilStopped(server, { log: (line) => process.stderr.write(`${line}\n`) });
      const emulators = server.stack.emulators;
      const storage = emulators ? `data in ${dataDir}` : `storage at ${process.env.AWS_ENDPOINT_URL}`;
      process.stdout.write(`Sluice dev server listening on ${server.url} (${storage})\nWeb console: ${server.url}/console\n`);
      if (server.kafkaPort) process.stdout.write(`Kafka clients: bootstrap server ${opts.host}:${server.kafkaPort}\n`);
      process.stdout.write(`Modules (subscription targets, connectors, processors) are allowed from ${moduleDirs.join(', ')}\n`);
      // Where a user's own tables go (DynamoDbCdcSource, DynamoDbSink read and write them there).
      const { writeAwsEnv } = await import('../../local/awsEnv.ts');
      await writeAwsEnv(dataDir, server.stack.config).then(
        (path) => process.stdout.write(`Its DynamoDB, for tables of your own, as AWS tools read it: node --env-file=${relative(process.cwd(), path)} ...\n`),
        (err: unknown) => process.stderr.write(`warning: could not write ${dataDir}/aws.env: ${(err as Error).message}\n`),
      );
      if (process.env.SLUICE_DEBUG && emulators) process.stderr.write(`dynamodb-local pid ${emulators.pid}\n`);
      process.stdout.write(
        `\nQuickstart, in another terminal:\n${quickstartLines(server.url, DEFAULT_ENDPOINT)
          .map((l) => `  ${l}\n`)
          .join('')}\nPress Ctrl-C to stop.\n`,
      );
      process.exitCode = await stopped;
    });
}
