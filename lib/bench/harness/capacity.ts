// DynamoDB's billing arithmetic, applied to the items Sluice actually sends and receives
// (see meter.ts): item sizes as DynamoDB computes them (lib/storage/itemSize.ts), and the
// request units a call consumes in on-demand mode.
//
//   write          1 WRU per 1 KB of the item (the larger of before/after for updates)
//   transactional  2 WRU per 1 KB per item; a ConditionCheck counts as a write
//   read           strongly consistent: 1 RRU per 4 KB; eventually consistent: 0.5
//   query          the sizes of all items returned, summed, then rounded up to 4 KB
//   local index    a write that puts an entry in an LSI writes the index too; counted at
//                  the same rate as the table write (an upper bound for transactions)
export { itemSize, numberSize, valueSize } from '../../storage/itemSize.ts';

export const KB = 1024;

/** WRU for writing an item of `bytes` (at least 1). */
export function writeUnits(bytes: number, transactional = false): number {
  const units = Math.max(1, Math.ceil(bytes / KB));
  return transactional ? 2 * units : units;
}

/** RRU for reading `bytes` in one read or one query result (at least one 4 KB step). */
export function readUnits(bytes: number, consistent: boolean, transactional = false): number {
  const steps = Math.max(1, Math.ceil(bytes / (4 * KB)));
  if (transactional) return 2 * steps;
  return consistent ? steps : steps / 2;
}

/** API Gateway HTTP API: requests are metered in 512 KB increments of payload. */
export function apiGatewayRequests(payloadBytes: number, incrementBytes = 512 * KB): number {
  return Math.max(1, Math.ceil(payloadBytes / incrementBytes));
}
