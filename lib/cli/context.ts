// What every command needs: the endpoint (from --endpoint, --outputs, SLUICE_ENDPOINT or
// the default), and the SDK's client for it.
import { readFileSync } from 'node:fs';
import { HttpClient } from '../client/http.ts';
import { Sluice } from '../client/sluice.ts';
import { CliError, UsageError } from './errors.ts';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9192';

export interface GlobalOptions {
  endpoint?: string;
  outputs?: string;
  stack?: string;
  profile?: string;
  region?: string;
}

/**
 * The API URL in a CDK outputs file (`cdk deploy --outputs-file`):
 * `{ "Sluice": { "ApiUrl": "https://..." } }`. Takes the named stack, else the first
 * stack with an ApiUrl output. Outputs defined inside constructs get a suffixed logical
 * id (`PlatformApiUrl1A2B3C4D`); those count too when there is no plain `ApiUrl`.
 */
export function readOutputsEndpoint(file: string, stack?: string, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): string {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    throw new CliError(`cannot read outputs file '${file}': ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(`outputs file '${file}' is not JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`outputs file '${file}' is not a CDK outputs object.`);
  const stacks = doc as Record<string, unknown>;
  const apiUrl = (outputs: unknown): string | undefined => {
    if (!outputs || typeof outputs !== 'object') return undefined;
    const o = outputs as Record<string, unknown>;
    if (typeof o.ApiUrl === 'string') return o.ApiUrl;
    const key = Object.keys(o).find((k) => /ApiUrl[0-9A-F]{0,8}$/.test(k) && typeof o[k] === 'string');
    return key ? (o[key] as string) : undefined;
  };
  if (stack !== undefined) {
    if (!(stack in stacks)) {
      throw new CliError(`outputs file '${file}' has no stack '${stack}' (stacks: ${Object.keys(stacks).join(', ') || 'none'}).`);
    }
    const url = apiUrl(stacks[stack]);
    if (!url) throw new CliError(`stack '${stack}' in '${file}' has no ApiUrl output.`);
    return url;
  }
  for (const outputs of Object.values(stacks)) {
    const url = apiUrl(outputs);
    if (url) return url;
  }
  throw new CliError(`no stack in outputs file '${file}' has an ApiUrl output.`);
}

/** --endpoint (command line) > --outputs > SLUICE_ENDPOINT > the local default. */
export function resolveEndpoint(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.stack !== undefined && opts.outputs === undefined) throw new UsageError('--stack needs --outputs FILE.');
  if (opts.endpoint !== undefined && opts.outputs !== undefined) throw new UsageError('give either --endpoint or --outputs, not both.');
  if (opts.endpoint !== undefined) return opts.endpoint;
  if (opts.outputs !== undefined) return readOutputsEndpoint(opts.outputs, opts.stack);
  return env.SLUICE_ENDPOINT || DEFAULT_ENDPOINT;
}

export function createClient(opts: GlobalOptions): HttpClient {
  const endpoint = resolveEndpoint(opts);
  try {
    return new HttpClient({
      endpoint,
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.profile ? { profile: opts.profile } : {}),
      headers: { 'user-agent': 'sluice-cli' },
    });
  } catch (err) {
    throw new UsageError(`--endpoint: ${(err as Error).message}`);
  }
}

/** The SDK for the endpoint the options name. */
export function createSluice(opts: GlobalOptions): Sluice {
  return new Sluice(createClient(opts));
}
