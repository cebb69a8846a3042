// HttpSink: sends records to an HTTP endpoint of the user's, in batches, with the settings
// of Confluent's HTTP sink connector (io.confluent.connect.http.HttpSinkConnector):
//
//   http.api.url            required   https (plain http only to loopback, locally)
//   request.method          POST       POST, PUT or PATCH
//   headers                            "Name:value|Name2:value2" (split by headers.separator)
//   headers.separator       |
//   batch.max.size          1          records per request
//   batch.prefix / batch.suffix / batch.separator   "" / "" / ","   around and between records
//   request.body.format     string     string (the value as text) or json (the value as JSON)
//   max.retries             10         retries of a request answered with a retry status or no answer
//   retry.backoff.ms        3000       wait before a retry, doubled each time
//   retry.on.status.codes   400-       statuses to retry: "400-" all from 400, "429,500-599", ...
//   http.request.timeout.ms 30000
//
// Where a request may go is decided by lib/core/egress.ts, as for subscriptions: checked
// when the connector is validated (as written) and at each connection (every address the
// name resolves to). A request still failing after its retries: without an answer or
// with 5xx, the batch is retried later (RetriableException); any other status reports
// each of its records as errant (dead-lettered with errors.tolerance=all, else the task fails).
import { ConfigDef } from '../../config/def.ts';
import { LambdaValidator, Range, ValidString } from '../../config/validators.ts';
import { checkEndpointUrl, egressAgents, isDeployed, postChecked, type EgressAgents, type Resolver } from '../../../core/egress.ts';
import { sleep } from '../../../core/time.ts';
import { ConfigException, ConnectException, RetriableException } from '../../data/exceptions.ts';
import type { SinkRecord } from '../../data/record.ts';
import { convertToString } from '../../data/values.ts';
import { JsonConverter } from '../../converters/json.ts';
import { defineSinkConnector, type SinkConnector } from '../../plugins/define.ts';
import type { ConnectorPlugin } from '../plugin.ts';

/** "400-", "429,500-599": the statuses to retry. */
export function parseStatusRanges(text: string): [number, number][] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const m = /^\s*(\d{3})?\s*(-)?\s*(\d{3})?\s*$/.exec(part);
    if (!m || (!m[1] && !m[3])) throw new Error(`'${part.trim()}' is not a status or a range (400, 500-599, 400-)`);
    const from = m[1] ? Number(m[1]) : 100;
    const to = m[2] ? (m[3] ? Number(m[3]) : 599) : from;
    return [from, to];
  });
}

const statusRanges = LambdaValidator.with(
  (name, value) => {
    try {
      parseStatusRanges(String(value ?? ''));
    } catch (err) {
      throw new ConfigException(name, value, (err as Error).message);
    }
  },
  () => 'statuses and ranges, e.g. 400- or 429,500-599',
);

export const HTTP_SINK_CONFIG = new ConfigDef()
  .define({ name: 'http.api.url', type: 'STRING', importance: 'HIGH', documentation: 'HTTP API URL.' })
  .define({ name: 'request.method', type: 'STRING', defaultValue: 'POST', validator: ValidString.in('POST', 'PUT', 'PATCH'), importance: 'HIGH', documentation: 'HTTP Request Method.' })
  .define({ name: 'headers', type: 'STRING', defaultValue: '', importance: 'LOW', documentation: 'HTTP headers to be included in all requests, e.g. "Authorization:Bearer x|Content-Type:application/json".' })
  .define({ name: 'headers.separator', type: 'STRING', defaultValue: '|', importance: 'LOW', documentation: 'Separator character used in headers property.' })
  .define({ name: 'batch.max.size', type: 'INT', defaultValue: 1, validator: Range.between(1, 10_000), importance: 'HIGH', documentation: 'The number of records accumulated in a batch before the HTTP API is invoked.' })
  .define({ name: 'batch.prefix', type: 'STRING', defaultValue: '', importance: 'HIGH', documentation: 'Prefix added to record batches.' })
  .define({ name: 'batch.suffix', type: 'STRING', defaultValue: '', importance: 'HIGH', documentation: 'Suffix added to record batches.' })
  .define({ name: 'batch.separator', type: 'STRING', defaultValue: ',', importance: 'HIGH', documentation: 'Separator for records in a batch.' })
  .define({ name: 'request.body.format', type: 'STRING', defaultValue: 'string', validator: ValidString.in('string', 'json'), importance: 'MEDIUM', documentation: 'How each record value is written in the request body: string or json.' })
  .define({ name: 'max.retries', type: 'INT', defaultValue: 10, validator: Range.between(0, 100), importance: 'MEDIUM', documentation: 'The maximum number of times to retry on errors before failing the task.' })
  .define({ name: 'retry.backoff.ms', type: 'INT', defaultValue: 3000, validator: Range.between(0, 600_000), importance: 'MEDIUM', documentation: 'The initial duration in milliseconds to wait following an error before a retry attempt is made. Subsequent backoff attempts can be a multiple of this value.' })
  .define({ name: 'retry.on.status.codes', type: 'STRING', defaultValue: '400-', validator: statusRanges, importance: 'MEDIUM', documentation: 'The HTTP error codes to retry on, comma separated, with ranges: 400- (all from 400), 500-599, 429.' })
  .define({ name: 'http.request.timeout.ms', type: 'INT', defaultValue: 30000, validator: Range.between(1, 900_000), importance: 'LOW', documentation: 'HTTP request timeout in milliseconds.' });

export interface HttpSinkOptions {
  /** Where the rules of a deployed function apply (default: inside Lambda). */
  deployed?: boolean;
  resolve?: Resolver;
  /** Waits between retries (tests pass an instant one). */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface State {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  retryOn: [number, number][];
  agents: EgressAgents;
}

const jsonValues = new JsonConverter({ 'schemas.enable': 'false' });

function parseHeaders(text: string, separator: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(separator)) {
    if (part.trim() === '') continue;
    const i = part.indexOf(':');
    if (i <= 0) throw new ConfigException('headers', text, `'${part}' is not Name:value`);
    out[part.slice(0, i).trim().toLowerCase()] = part.slice(i + 1).trim();
  }
  return out;
}

export function createHttpSink(opts: HttpSinkOptions = {}): SinkConnector<State> {
  const deployed = () => opts.deployed ?? isDeployed();
  const wait = opts.wait ?? sleep;
  const bodyOf = (records: SinkRecord[], c: Readonly<Record<string, unknown>>) => {
    const values = records.map((r) =>
      c['request.body.format'] === 'json' ? (jsonValues.fromConnectData(r.topic, r.valueSchema, r.value)?.toString('utf8') ?? 'null') : (convertToString(r.valueSchema, r.value) ?? ''),
    );
    return `${c['batch.prefix'] as string}${values.join(c['batch.separator'] as string)}${c['batch.suffix'] as string}`;
  };
  return defineSinkConnector<State>({
    configDef: HTTP_SINK_CONFIG,
    validate: (props) => {
      const out: Record<string, string[]> = {};
      if (props['http.api.url'] !== undefined) {
        const checked = checkEndpointUrl(props['http.api.url'].trim(), deployed());
        if ('refused' in checked) out['http.api.url'] = [`'http.api.url' ${checked.refused}.`];
      }
      try {
        parseHeaders(props.headers ?? '', props['headers.separator'] ?? '|');
      } catch (err) {
        out.headers = [(err as Error).message];
      }
      return out;
    },
    start: ({ config }) => {
      const checked = checkEndpointUrl(config['http.api.url'] as string, deployed());
      if ('refused' in checked) throw new ConfigException(`'http.api.url' ${checked.refused}.`);
      const json = config['request.body.format'] === 'json';
      return {
        url: checked.url,
        method: config['request.method'] as State['method'],
        headers: { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8', ...parseHeaders(config.headers as string, config['headers.separator'] as string) },
        retryOn: parseStatusRanges(config['retry.on.status.codes'] as string),
        agents: egressAgents(),
      };
    },
    put: async (records, ctx) => {
      const { state, config } = ctx;
      const size = config['batch.max.size'] as number;
      for (let i = 0; i < records.length; i += size) {
        const batch = records.slice(i, i + size);
        const failed = await send(state, bodyOf(batch, config), config, deployed(), opts.resolve, wait, ctx.signal);
        if (failed) for (const r of batch) await ctx.reportError(r, failed);
      }
    },
    stop: ({ state }) => {
      state.agents.http.destroy();
      state.agents.https.destroy();
    },
  });
}

/** One request with its retries: undefined when sent, the error to report for each record otherwise. */
async function send(
  state: State,
  body: string,
  c: Readonly<Record<string, unknown>>,
  deployed: boolean,
  resolve: Resolver | undefined,
  wait: (ms: number, signal?: AbortSignal) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<Error | undefined> {
  const retries = c['max.retries'] as number;
  const backoff = c['retry.backoff.ms'] as number;
  let last: Error | undefined;
  let lastStatus = 0;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await wait(Math.min(backoff * 2 ** (attempt - 1), 600_000), signal);
    const timeout = AbortSignal.timeout(c['http.request.timeout.ms'] as number);
    try {
      const res = await postChecked(state.url, body, {
        method: state.method,
        loopback: deployed ? 'refuse' : 'allow',
        headers: state.headers,
        agents: state.agents,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        ...(resolve ? { resolve } : {}),
      });
      if (res.status >= 200 && res.status < 300) return undefined;
      lastStatus = res.status;
      last = new ConnectException(`${state.method} ${state.url} answered ${res.statusLine}`);
      if (!state.retryOn.some(([from, to]) => res.status >= from && res.status <= to)) break;
    } catch (err) {
      if ((err as { code?: string }).code === 'INVALID_TARGET') return new ConnectException((err as Error).message, { cause: err });
      lastStatus = 0;
      last = new ConnectException(`${state.method} ${state.url} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  if (lastStatus === 0 || lastStatus >= 500) throw new RetriableException(last!.message, { cause: last });
  return last;
}

export const httpSinkPlugin: ConnectorPlugin = {
  className: 'io.confluent.connect.http.HttpSinkConnector',
  aliases: ['HttpSink', 'HttpSinkConnector'],
  connector: createHttpSink() as SinkConnector,
};
