// The `sluice` command: kcat / kafka-console-* habits over the Sluice HTTP API.
//
//   sluice dev                                   run the local stack + API on :9192 (console at /console, Kafka on :9092)
//   sluice console --outputs cdk-outputs.json    the web console for a deployed stack, on loopback
//   sluice gateway                               a Kafka-protocol gateway node
//   sluice topics create|list|describe|alter|delete
//   sluice produce TOPIC  < lines                one record per line
//   sluice consume TOPIC [--from-beginning]      records to stdout
//   sluice consume TOPIC --group G               as a consumer group member, committing
//   sluice groups list|describe|reset-offsets|delete
//   sluice subscriptions create|list|describe|delete|dead-letters   trigger functions from topics
//   sluice connectors create|list|status|config|pause|resume|stop|restart|delete|offsets|plugins
//   sluice processors list|describe|query|reset  stream processors: status, lag, stores
//   sluice bench codec                           codec throughput vs kafkajs
//
// Data goes to stdout, diagnostics to stderr. Exit codes: 0 ok, 1 error (API errors
// print `error: CODE: message`), 2 usage error.
import { Command, CommanderError, Option } from 'commander';
import { registerBench } from './commands/bench.ts';
import { registerConsole } from './commands/console.ts';
import { registerConnectors } from './commands/connectors.ts';
import { registerConsume } from './commands/consume.ts';
import { registerDev } from './commands/dev.ts';
import { registerGateway } from './commands/gateway.ts';
import { registerGroups } from './commands/groups.ts';
import { registerMaintenance } from './commands/maintenance.ts';
import { registerProduce } from './commands/produce.ts';
import { registerProcessors } from './commands/processors.ts';
import { registerSubscriptions } from './commands/subscriptions.ts';
import { registerTopics } from './commands/topics.ts';
import { DEFAULT_ENDPOINT } from './context.ts';
import { describeError, EXIT_OK, EXIT_USAGE } from './errors.ts';

export const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Serverless event streaming: Kafka topics on S3, DynamoDB and Lambda.')
    .version(VERSION, '-V, --version')
    .addOption(
      new Option('--endpoint <url>', `Sluice API URL (env SLUICE_ENDPOINT; default ${DEFAULT_ENDPOINT})`),
    )
    .option('--outputs <file>', 'read the API URL (ApiUrl) from a CDK outputs file')
    .option('--stack <name>', 'stack to take from --outputs (default: the first with an ApiUrl)')
    .option('--profile <name>', 'AWS profile for signing requests to a deployed API')
    .option('--region <region>', 'AWS region for signing (default: from the endpoint, else AWS_REGION)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });
  registerDev(program);
  registerConsole(program);
  registerGateway(program);
  registerTopics(program);
  registerProduce(program);
  registerConsume(program);
  registerGroups(program);
  registerSubscriptions(program);
  registerConnectors(program);
  registerProcessors(program);
  registerMaintenance(program);
  registerBench(program);
  // Subcommands inherit exitOverride and output settings only when set before they are
  // added, so apply them to the whole tree now.
  const apply = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput(program.configureOutput());
    cmd.commands.forEach(apply);
  };
  program.commands.forEach(apply);
  return program;
}

/** Runs the CLI with user arguments (no node/script prefix); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      // Commander has already printed its message.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const { message, exitCode } = describeError(err);
    process.stderr.write(`${message}\n`);
    return exitCode;
  }
}
