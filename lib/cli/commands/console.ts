// sluice console — the web console for a deployed stack (or any --endpoint), on loopback:
//
//   sluice console --outputs cdk-outputs.json [--stack NAME] [--profile P] [--region R] [--port 9193]
//
// The console's page is served here and its API calls are forwarded to the stack's ApiUrl,
// signed with SigV4 with your AWS credentials (lib/console/server/standalone.ts). Locally,
// `sluice dev` serves the same console at http://127.0.0.1:9192/console.
import type { Command } from 'commander';
import { createClient, type GlobalOptions } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { parseInteger } from '../parse.ts';

interface ConsoleOptions {
  port: number;
  host: string;
  verbose?: boolean;
}

export function registerConsole(program: Command): void {
  program
    .command('console')
    .description('serve the web console on loopback, signing its API calls with your AWS credentials')
    .option('--port <n>', 'port to listen on', (v) => parseInteger(v, '--port', { min: 0, max: 65535 }), 9193)
    .option('--host <host>', 'loopback address to bind (127.0.0.1, localhost or ::1)', '127.0.0.1')
    .option('-v, --verbose', 'log every request to stderr')
    .action(async (opts: ConsoleOptions, cmd: Command) => {
      if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
        throw new UsageError(`--host must be a loopback address (127.0.0.1, localhost or ::1), not '${opts.host}'.`);
      }
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      const { startConsoleServer } = await import('../../console/server/standalone.ts');
      let server: Awaited<ReturnType<typeof startConsoleServer>>;
      try {
        server = await startConsoleServer({
          client,
          port: opts.port,
          host: opts.host,
          ...(opts.verbose ? { accessLog: (line: string) => process.stderr.write(`${line}\n`) } : {}),
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new CliError(e.code === 'EADDRINUSE' ? `Port ${opts.port} is already in use; pick another with --port.` : e.message);
      }
      const signing = client.signs ? `, signing with SigV4 for ${client.region ?? 'the default region'}` : '';
      process.stdout.write(`Sluice console on ${server.url} for ${client.endpoint.href}${signing}\nPress Ctrl-C to stop.\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.stop().finally(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
