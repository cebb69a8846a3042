// ListOffsets: -2 is the log start, -1 the high watermark (the last stable offset too:
// Sluice's log holds no uncommitted records), a timestamp the first offset whose record
// is at or after it, or -1 when no record is (Kafka's answer, where the log's own
// lookup answers the high watermark).
import { isSluiceError } from '../../core/errors.ts';
import { E, errorCodeOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, RequestContext } from '../server/context.ts';

const LATEST = -1;
const EARLIEST = -2;

async function lookup(ctx: RequestContext, topic: string, p: Message): Promise<Message> {
  const base = { partitionIndex: p.partitionIndex, oldStyleOffsets: [], leaderEpoch: 0 };
  const ts = p.timestamp as number;
  if (ts < EARLIEST) return { ...base, errorCode: E.UNSUPPORTED_VERSION, timestamp: -1, offset: -1 };
  const { log } = ctx.services;
  try {
    if (ts === LATEST || ts === EARLIEST) {
      const offset = await log.listOffsets(topic, p.partitionIndex, ts === LATEST ? 'latest' : 'earliest');
      return { ...base, errorCode: E.NONE, timestamp: -1, offset };
    }
    const [offset, end] = await Promise.all([
      log.listOffsets(topic, p.partitionIndex, ts),
      log.listOffsets(topic, p.partitionIndex, 'latest'),
    ]);
    return offset >= end
      ? { ...base, errorCode: E.NONE, timestamp: -1, offset: -1 }
      : { ...base, errorCode: E.NONE, timestamp: ts, offset };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return { ...base, errorCode: errorCodeOf(err), timestamp: -1, offset: -1 };
  }
}

export const handleListOffsets: Handler = async (ctx, req) => ({
  throttleTimeMs: 0,
  topics: await Promise.all(
    (req.topics as Message[]).map(async (t) => ({
      name: t.name,
      partitions: await Promise.all((t.partitions as Message[]).map((p) => lookup(ctx, t.name, p))),
    })),
  ),
});
