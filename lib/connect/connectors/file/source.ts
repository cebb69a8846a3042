// FileStreamSource (org.apache.kafka.connect.file.FileStreamSourceConnector), as in Kafka's
// quickstart: each line of `file` becomes a record of `topic` with a string value. The
// source partition is {"filename": file}, the offset {"position": byte after the line};
// each poll reads from the committed position, so a restart neither skips nor repeats a
// line once records and offsets are committed together. Lines end at \n, \r or \r\n; a
// last line without an end waits for it. Local dev server only: it reads this machine's files.
import { open } from 'node:fs/promises';
import { ConfigDef } from '../../config/def.ts';
import { NonEmptyString, Range } from '../../config/validators.ts';
import { ConnectException } from '../../data/exceptions.ts';
import { Schemas } from '../../data/schema.ts';
import { defineSourceConnector, type SourceOffset, type SourceRecordInput } from '../../plugins/define.ts';
import type { ConnectorPlugin } from '../plugin.ts';

export const FILENAME_FIELD = 'filename';
export const POSITION_FIELD = 'position';
/** Bytes read per poll at most (more lines wait for the next poll). */
const READ_BYTES = 1 << 20;

const CONFIG = new ConfigDef()
  .define({ name: 'file', type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: 'Source filename. Sluice reads files only (Kafka reads standard input without one).' })
  .define({ name: 'topic', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'The topic to publish data to' })
  .define({ name: 'batch.size', type: 'INT', defaultValue: 2000, validator: Range.atLeast(1), importance: 'LOW', documentation: 'The maximum number of records the source task can read from the file each time it is polled' });

/** Complete lines in `buf` from its start: [text, bytes including the line end]. */
export function completeLines(buf: Buffer, max: number): [string, number][] {
  const out: [string, number][] = [];
  let start = 0;
  for (let i = 0; i < buf.length && out.length < max; i++) {
    const c = buf[i];
    if (c !== 0x0a && c !== 0x0d) continue;
    if (c === 0x0d && i + 1 >= buf.length) break; // \r at the end: maybe \r\n
    const end = c === 0x0d && buf[i + 1] === 0x0a ? i + 2 : i + 1;
    out.push([buf.subarray(start, i).toString('utf8'), end - start]);
    start = end;
    i = end - 1;
  }
  return out;
}

export const fileStreamSource = defineSourceConnector({
  configDef: CONFIG,
  validate: (props): Record<string, string[]> => (props.file ? {} : { file: ['Name a file: reading standard input is not supported.'] }),
  taskConfigs: (props) => [{ ...props }],
  alterOffsets: (_props, offsets: readonly SourceOffset[]) => {
    for (const { partition, offset } of offsets) {
      if (typeof partition[FILENAME_FIELD] !== 'string') throw new ConnectException(`Partition objects should contain the key '${FILENAME_FIELD}'`);
      if (offset === null) continue;
      const position = offset[POSITION_FIELD];
      if (!(POSITION_FIELD in offset)) throw new ConnectException(`Offset objects should either be null or contain the key '${POSITION_FIELD}'`);
      if (typeof position !== 'number' || !Number.isInteger(position)) throw new ConnectException(`The value for the '${POSITION_FIELD}' key in the offset is expected to be a Long value`);
      if (position < 0) throw new ConnectException(`The value for the '${POSITION_FIELD}' key in the offset should be a non-negative value`);
    }
  },
  poll: async ({ config, offsets, now, logger }) => {
    const filename = config.file as string;
    const partition = { [FILENAME_FIELD]: filename };
    const committed = offsets.get(partition)?.[POSITION_FIELD];
    if (committed !== undefined && (typeof committed !== 'number' || !Number.isInteger(committed))) throw new ConnectException('Offset position is the incorrect type');
    let position = (committed as number | undefined) ?? 0;
    let handle;
    try {
      handle = await open(filename, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConnectException(`Cannot open ${filename}: ${(err as Error).message}`, { cause: err });
      logger.warn(`Couldn't find file ${filename} for FileStreamSourceTask, waiting for it to be created`);
      return null;
    }
    try {
      const buf = Buffer.alloc(READ_BYTES);
      const { bytesRead } = await handle.read(buf, 0, READ_BYTES, position);
      const records: SourceRecordInput[] = [];
      for (const [line, length] of completeLines(buf.subarray(0, bytesRead), config['batch.size'] as number)) {
        position += length;
        records.push({ topic: config.topic as string, valueSchema: Schemas.STRING, value: line, timestamp: now(), sourcePartition: partition, sourceOffset: { [POSITION_FIELD]: position } });
      }
      return records.length ? { records } : null;
    } finally {
      await handle.close();
    }
  },
});

export const fileStreamSourcePlugin: ConnectorPlugin = {
  className: 'org.apache.kafka.connect.file.FileStreamSourceConnector',
  aliases: ['FileStreamSource', 'FileStreamSourceConnector'],
  connector: fileStreamSource,
  localOnly: true,
};
