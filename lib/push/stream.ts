// The partitions stream drives both halves of the dispatcher: subscription delivery
// (lib/subscriptions) and the data notices of push connections (notify.ts). This runs
// them side by side on each batch. Notices are best effort by design: a failed one keeps
// its watch for the head's next move, and a consumer re-arms its watches (and so learns
// of any head already past them) whenever its connection comes back. So their failures
// are logged, never reported as failed stream records: only subscriptions' are retried.
import type { TableClients } from '../storage/tables.ts';
import { noticeMovedHeads, type HeadStreamRecord } from './notify.ts';
import type { ConnectionPoster } from './poster.ts';

export interface NoticeDeps {
  clients: TableClients;
  poster: ConnectionPoster | undefined;
  warn?: (message: string, details: Record<string, unknown>) => void;
}

type BatchRun<T, S> = (records: T[], run: { deadline?: number }) => Promise<{ failed: string[] } & S>;

/** `streamBatch` with the batch's data notices sent alongside; the summary counts them (`notified`). */
export function withHeadNotices<T extends HeadStreamRecord, S extends object>(
  streamBatch: BatchRun<T, S>,
  deps: () => NoticeDeps,
): BatchRun<T, S & { notified: number }> {
  return async (records, run) => {
    const notices = async (): Promise<number> => {
      const { clients, poster, warn } = deps();
      if (!poster) return 0;
      try {
        return (await noticeMovedHeads(clients, poster, records)).notified;
      } catch (err) {
        warn?.('push notices failed', { error: (err as Error)?.message ?? String(err) });
        return 0;
      }
    };
    const [summary, notified] = await Promise.all([streamBatch(records, run), notices()]);
    return { ...summary, notified };
  };
}
