// The codec's reference: kafkajs's RecordBatch v2 encoder and decoder, the JavaScript
// implementation most Node Kafka clients run. kafkajs is a devDependency: a benchmark may
// compare against it, no product module may load it, and an install without
// devDependencies gets a MissingDevDependency saying so instead of a crash
// (harness/devDependency.ts).
import { defaultImporter, importDevDependency, MissingDevDependency, type Importer } from '../harness/devDependency.ts';

interface KafkajsMessage {
  key: Buffer;
  value: Buffer;
  headers: Record<string, Buffer>;
  timestamp: number;
}

/** Encode and decode as kafkajs does them. */
export interface Peer {
  encode(messages: KafkajsMessage[]): Promise<Buffer>;
  decode(buf: Buffer): Promise<unknown>;
}

export type { KafkajsMessage };

export { MissingDevDependency, type Importer };

const loadCjs = (importer: Importer, specifier: string) => importDevDependency(importer, specifier, 'kafkajs');

/**
 * kafkajs's codec. `importer` loads a module (default: import()); a computed specifier
 * keeps TypeScript from demanding declarations for kafkajs internals.
 */
export async function loadKafkajs(importer: Importer = defaultImporter): Promise<Peer> {
  const base = 'kafkajs/src/protocol';
  const { RecordBatch } = await loadCjs(importer, `${base}/recordBatch/v0/index.js`);
  const Record = await loadCjs(importer, `${base}/recordBatch/record/v0/index.js`);
  const decodeBatch = await loadCjs(importer, `${base}/recordBatch/v0/decoder.js`);
  const Decoder = await loadCjs(importer, `${base}/decoder.js`);
  return {
    // What kafkajs's Produce v3 request does per partition (timestamps already in order).
    async encode(messages) {
      const first = messages[0]!.timestamp;
      const records = messages.map((m, i) =>
        Record({ offsetDelta: i, timestampDelta: m.timestamp - first, key: m.key, value: m.value, headers: m.headers }),
      );
      const batch = await RecordBatch({
        records,
        firstTimestamp: first,
        maxTimestamp: messages[messages.length - 1]!.timestamp,
        lastOffsetDelta: messages.length - 1,
      });
      return batch.buffer as Buffer;
    },
    decode(buf) {
      return decodeBatch(new Decoder(buf));
    },
  };
}
