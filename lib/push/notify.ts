// Data notices: the dispatcher's half of the push path. For each batch of the partitions
// table's stream (the same batches that drive subscriptions), every head whose nextOffset
// grew is looked up among the watches (one consistent Query per moved head), and each
// connection waiting below the new high watermark is told once, in one message for all
// its moved heads. A watch is dropped once its message was sent (it fires once: the
// consumer fetches, and arms it again when it is caught up) or its connection is gone
// (410); a post that failed keeps the watch, so the next move of that head tries again.
// Heads that did not move, and watches at or above the new high watermark, cost no post.
import type { HeadMoved, PushMessage } from '../core/push.ts';
import type { TableClients } from '../storage/tables.ts';
import type { ConnectionPoster } from './poster.ts';
import { dropWatch, watchersOf } from './store.ts';

/** What a stream record of the partitions table carries that matters here. */
export interface HeadStreamRecord {
  eventName?: string;
  dynamodb?: {
    NewImage?: Record<string, { S?: string; N?: string } | undefined>;
    OldImage?: Record<string, { S?: string; N?: string } | undefined>;
  };
}

export interface NoticeReport {
  /** Messages sent. */
  notified: number;
  /** Connections found gone (their watches dropped). */
  gone: number;
  /** Posts that failed (their watches kept). */
  failed: number;
}

/** The heads that moved in these records: topicId#partition → the highest nextOffset seen. */
export function movedHeads(records: readonly HeadStreamRecord[]): Map<string, { topicId: string; partition: number; nextOffset: number }> {
  const moved = new Map<string, { topicId: string; partition: number; nextOffset: number }>();
  for (const r of records) {
    const img = r.dynamodb?.NewImage;
    const topicId = img?.topicId?.S;
    const partition = Number(img?.partition?.N);
    const next = Number(img?.nextOffset?.N ?? 0);
    const before = Number(r.dynamodb?.OldImage?.nextOffset?.N ?? 0);
    if (!topicId || !Number.isInteger(partition) || !(next > before)) continue;
    const key = `${topicId}#${partition}`;
    if ((moved.get(key)?.nextOffset ?? -1) < next) moved.set(key, { topicId, partition, nextOffset: next });
  }
  return moved;
}

export async function noticeMovedHeads(
  clients: TableClients,
  poster: ConnectionPoster,
  records: readonly HeadStreamRecord[],
  now: number = Date.now(),
): Promise<NoticeReport> {
  const byConnection = new Map<string, { moved: HeadMoved; topicId: string; offset: number }[]>();
  await Promise.all(
    [...movedHeads(records).values()].map(async (h) => {
      for (const w of await watchersOf(clients, h.topicId, h.partition, now)) {
        if (w.offset >= h.nextOffset) continue;
        let list = byConnection.get(w.connectionId);
        if (!list) byConnection.set(w.connectionId, (list = []));
        list.push({ topicId: h.topicId, offset: w.offset, moved: { topic: w.topic, partition: h.partition, highWatermark: h.nextOffset } });
      }
    }),
  );
  const report: NoticeReport = { notified: 0, gone: 0, failed: 0 };
  await Promise.all(
    [...byConnection].map(async ([connectionId, heads]) => {
      const message: PushMessage = { type: 'data', partitions: heads.map((h) => h.moved) };
      const outcome = await poster.post(connectionId, message);
      if (outcome === 'failed') {
        report.failed++;
        return;
      }
      report[outcome === 'sent' ? 'notified' : 'gone']++;
      await Promise.all(heads.map((h) => dropWatch(clients, h.topicId, h.moved.partition, connectionId, h.offset)));
    }),
  );
  return report;
}
