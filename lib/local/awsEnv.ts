// `<dataDir>/aws.env`: the dev server's DynamoDB as the AWS SDKs and CLI read it from the
// environment (endpoint, region, key pair), so that a user can make the tables of their
// own that its connectors read and write (DynamoDbCdcSource, DynamoDbSink: the dev server
// gives them this DynamoDB, connectorClients.ts) with any AWS tool, e.g.
// `node --env-file=.sluice/aws.env script.js`. Rewritten on every start (DynamoDB Local's
// port changes with each), mode 0600: it holds the key that keeps the data private
// (credentials.ts). A file, not the dev server's own environment: a shell that exported it
// would send every later AWS command to the emulator.
//
//   AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:<port>
//   AWS_REGION=<region>
//   AWS_ACCESS_KEY_ID=<key id>
//   AWS_SECRET_ACCESS_KEY=<secret>
//   AWS_SESSION_TOKEN=<token>        (only when the stack's credentials have one)
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientTarget } from '../storage/tables.ts';

export const AWS_ENV_FILE = 'aws.env';

/** The file's variables for a stack, in the order written. */
export function awsEnvOf(target: ClientTarget): Record<string, string> {
  const { endpoints, region, credentials } = target;
  if (!endpoints?.dynamodb || !region || !credentials) throw new Error('the stack has no DynamoDB endpoint, region and credentials to write');
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
  };
}

/** Writes `<dataDir>/aws.env` (0600, replacing an earlier start's); resolves to its path. */
export async function writeAwsEnv(dataDir: string, target: ClientTarget): Promise<string> {
  const path = join(dataDir, AWS_ENV_FILE);
  // With AWS_ENDPOINT_URL (LocalStack) the stack keeps nothing there, so the directory may not exist yet.
  await mkdir(dataDir, { recursive: true });
  const text = Object.entries(awsEnvOf(target)).map(([k, v]) => `${k}=${v}\n`).join('');
  await writeFile(path, text, { mode: 0o600 });
  // writeFile's mode applies only to a file it creates.
  await chmod(path, 0o600);
  return path;
}
