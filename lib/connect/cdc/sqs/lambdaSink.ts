// LambdaSink: a batch of records handed to a user's function, synchronously (Invoke,
// RequestResponse), as {"records":[{topic, partition, offset, key, value, headers,
// timestamp}]} with header values as text (binary as base64). Payloads are split to stay
// under Lambda's 6 MB request limit. A function error (FunctionError in the response)
// rejects the delivery, so the runtime retries the batch: the function sees a batch again
// after a failure and should be idempotent by topic/partition/offset.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DependencyError } from '../../../core/errors.ts';
import { ConfigReader, type ConfigMap } from '../config.ts';
import { batches, type ChangeSink, type DeliveryRecord } from '../sink.ts';

/** Lambda's synchronous payload limit is 6 MB; keep room for the wrapper. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024 - 1024;

const wireRecord = (r: DeliveryRecord) => ({
  ...r,
  headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value instanceof Uint8Array ? Buffer.from(h.value).toString('base64') : h.value })),
});

export class LambdaSink implements ChangeSink {
  private readonly functionName: string;

  constructor(config: ConfigMap, private readonly lambda: LambdaClient) {
    this.functionName = new ConfigReader(config).string('function.name');
  }

  async deliver(records: readonly DeliveryRecord[]): Promise<void> {
    const wire = records.map((r) => JSON.stringify(wireRecord(r)));
    for (const batch of batches(wire, Number.MAX_SAFE_INTEGER, MAX_PAYLOAD_BYTES, (s) => Buffer.byteLength(s) + 1)) {
      const res = await this.lambda.send(
        new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(`{"records":[${batch.join(',')}]}`) }),
      );
      if (res.FunctionError) {
        const detail = res.Payload ? Buffer.from(res.Payload).toString('utf8').slice(0, 500) : '';
        throw new DependencyError(`function ${this.functionName} failed (${res.FunctionError}): ${detail}`, { dependency: 'lambda', operation: 'Invoke' });
      }
    }
  }
}
