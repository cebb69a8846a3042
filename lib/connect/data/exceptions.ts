// Kafka Connect's exceptions (org.apache.kafka.connect.errors), for what goes wrong inside
// a connector's pipeline: a converter, a transform, a predicate, the connector's own code.
// They are not answers of the HTTP API (those are lib/core/errors.ts): a pipeline failure
// becomes a task's FAILED state with its trace, a dead letter with the
// `__connect.errors.*` headers, or a skipped record, as errors.tolerance says. Where one
// crosses into the API (a transform's ConfigException while a connector is validated) the
// service reports it as INVALID_CONFIG.
//
// `kafkaClass` is the Java class Kafka would name in a dead letter's
// `__connect.errors.exception.class.name`, so tools reading dead-letter topics see the
// same names. RetriableException (and its subclasses) is what errors.retry.timeout retries.

export class ConnectException extends Error {
  static readonly kafkaClass: string = 'org.apache.kafka.connect.errors.ConnectException';
  readonly retriable: boolean = false;

  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
  }

  get kafkaClass(): string {
    return (this.constructor as typeof ConnectException).kafkaClass;
  }
}

/** A value does not fit its schema, or data cannot be converted. */
export class DataException extends ConnectException {
  static override readonly kafkaClass: string = 'org.apache.kafka.connect.errors.DataException';
}

/** An invalid schema was built. */
export class SchemaBuilderException extends DataException {
  static override readonly kafkaClass: string = 'org.apache.kafka.connect.errors.SchemaBuilderException';
}

/** Worth trying again: errors.retry.timeout retries these (and only these) with backoff. */
export class RetriableException extends ConnectException {
  static override readonly kafkaClass: string = 'org.apache.kafka.connect.errors.RetriableException';
  override readonly retriable: boolean = true;
}

/** A configuration value is invalid (Kafka's org.apache.kafka.common.config.ConfigException). */
export class ConfigException extends ConnectException {
  static override readonly kafkaClass: string = 'org.apache.kafka.common.config.ConfigException';
  /** The offending setting, when one is named. */
  readonly config: string | undefined;

  /** `new ConfigException(message)`, or `(name, value, message)` as Kafka words it. */
  constructor(nameOrMessage: string, value?: unknown, message?: string) {
    super(
      arguments.length >= 2
        ? `Invalid value ${value === undefined || value === null ? 'null' : String(value)} for configuration ${nameOrMessage}${message ? `: ${message}` : ''}`
        : nameOrMessage,
    );
    this.config = arguments.length >= 2 ? nameOrMessage : undefined;
  }
}

/** The Java class Kafka would report for an error thrown in a pipeline. */
export function kafkaClassOf(err: unknown): string {
  if (err instanceof ConnectException) return err.kafkaClass;
  if (err instanceof TypeError || err instanceof RangeError) return 'java.lang.IllegalArgumentException';
  if (err instanceof Error) return err.name;
  return 'java.lang.Exception';
}
