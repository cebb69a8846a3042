// sluice consume TOPIC --group G: consuming as a member of a consumer group, through the
// SDK's Consumer. The group's committed offsets and assignment decide where to read; what
// is printed is committed; the member leaves the group at the end.
import { isSluiceError } from '../../client/errors.ts';
import type { ConsumerOptions } from '../../client/consumer/index.ts';
import type { Sluice } from '../../client/sluice.ts';
import { warnOnce } from '../errors.ts';
import { outputRecord } from '../format.ts';
import type { PrintOptions } from './consume.ts';

/** Without `follow`, consuming stops once every assigned partition reached its high watermark. */
export interface GroupConsumeOptions extends PrintOptions {
  group: string;
  /** Partitions without a committed offset start at the log start (else at the end). */
  fromBeginning?: boolean;
  /** Group timing (tests). */
  consumer?: Partial<ConsumerOptions>;
}

/**
 * Consumes a topic as a member of a consumer group: starts at the group's committed
 * offsets, follows the assignment as members come and go, commits what was written, and
 * leaves the group at the end. Resolves to the number of records written.
 */
export async function consumeGroup(sluice: Sluice, topic: string, opts: GroupConsumeOptions): Promise<number> {
  // Subscribing to a topic that does not exist is allowed by the group protocol; a typo
  // should fail like the plain consume does.
  await sluice.admin().describeTopic(topic);
  const consumer = sluice.consumer({
    groupId: opts.group,
    topics: [topic],
    autoOffsetReset: opts.fromBeginning ? 'earliest' : 'latest',
    waitMs: opts.waitMs ?? 5_000,
    ...opts.consumer,
  });
  const warn = warnOnce(opts.warn ?? ((s: string) => process.stderr.write(`${s}\n`)));
  consumer.on('warning', (err) => warn(`warning: ${isSluiceError(err) ? `${err.code}: ` : ''}${err.message}`));
  if (!opts.follow) consumer.on('caughtUp', () => void consumer.close());
  const onAbort = () => void consumer.close();
  if (opts.signal?.aborted) return 0;
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let written = 0;
  const max = opts.maxMessages ?? Infinity;
  try {
    await consumer.run({
      eachRecord: async (r) => {
        await opts.write(opts.render(outputRecord(r)));
        written++;
        // From inside the handler, close() counts this record as processed: it is committed.
        if (written >= max) await consumer.close();
      },
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await consumer.close();
  }
  return written;
}
