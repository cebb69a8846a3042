// The SDK's entry point: one Sluice per endpoint, handing out producers, consumers,
// readers and the admin, records and subscriptions clients, all sharing its HttpClient
// (SigV4 for deployed endpoints, none for loopback and LocalStack).
import { Admin } from './admin.ts';
import { Connectors } from './connectors.ts';
import { Consumer, type ConsumerOptions } from './consumer/index.ts';
import { HttpClient, type Credentials, type CredentialsProvider } from './http.ts';
import { Producer, type ProducerOptions } from './producer/index.ts';
import { Reader, type ReaderOptions } from './reader/index.ts';
import { Records } from './records.ts';
import { Processors } from './processors.ts';
import { Subscriptions } from './subscriptions.ts';

export interface SluiceOptions {
  /** API URL: http://127.0.0.1:9192 locally, the stack's ApiUrl when deployed. */
  endpoint: string;
  /** Signing region; default: from an execute-api host, else AWS_REGION. */
  region?: string;
  /** Static credentials or a provider; default: the AWS SDK's default credential chain. */
  credentials?: Credentials | CredentialsProvider;
  /** Named profile for the default credential chain. */
  profile?: string;
  /** Sign with SigV4; default: unless the endpoint is loopback or LocalStack. */
  sign?: boolean;
  /** fetch implementation (tests, proxies); default: global fetch. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export class Sluice {
  /** The transport, for requests the SDK does not wrap. */
  readonly http: HttpClient;

  constructor(opts: SluiceOptions | HttpClient) {
    if (opts instanceof HttpClient) {
      this.http = opts;
      return;
    }
    this.http = new HttpClient({
      endpoint: opts.endpoint,
      ...(opts.region !== undefined ? { region: opts.region } : {}),
      ...(opts.credentials !== undefined ? { credentials: opts.credentials } : {}),
      ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
      ...(opts.sign !== undefined ? { sign: opts.sign } : {}),
      ...(opts.fetch !== undefined ? { fetch: opts.fetch } : {}),
      headers: { 'user-agent': 'sluice-sdk', ...opts.headers },
    });
  }

  producer(opts: ProducerOptions = {}): Producer {
    return new Producer(this.http, opts);
  }

  consumer(opts: ConsumerOptions): Consumer {
    return new Consumer(this.http, opts);
  }

  /** Reads a topic without a consumer group (from the start, the end, an offset or a time). */
  reader(opts: ReaderOptions): Reader {
    return new Reader(this.http, opts);
  }

  admin(): Admin {
    return new Admin(this.http);
  }

  /** JSON produce and fetch of a few records, for inspection tools. */
  records(): Records {
    return new Records(this.http);
  }

  subscriptions(): Subscriptions {
    return new Subscriptions(this.http);
  }

  /** Connectors, as Kafka Connect's REST API manages them. */
  connectors(): Connectors {
    return new Connectors(this.http);
  }

  /** Stream processors: status, lag, interactive queries, reset. */
  processors(): Processors {
    return new Processors(this.http);
  }
}
