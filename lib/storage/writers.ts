// Writers: who an append is, for the head's per-writer sequence (commit.ts). A writer
// has at most one append in flight per partition, so "my sequence is already on the head"
// can only mean "my earlier attempt of this very append landed". This process keeps a
// pool of writer ids per partition: an append takes a free one (or makes one) and gives
// it back when it is done, however it ended. Ids are random, so two processes never share
// one; a Lambda container (one request at a time) ends up with one per partition.
//
// A writer's sequence is max(previous + 1, now in ms): it only grows, and it doubles as
// the time the writer last appended, which is what lets a flush drop writers idle for long
// (see tail.ts) without a separate timestamp on the head. A writer's clock running far
// ahead only makes its own entry live longer.
import { randomBytes } from 'node:crypto';

export interface Writer {
  /** 8 url-safe characters: part of two attribute names on the head. */
  readonly id: string;
  seq: number;
}

const free = new Map<string, Writer[]>();

/** A writer with no append in flight on partition `tp`. */
export function takeWriter(tp: string): Writer {
  return free.get(tp)?.pop() ?? { id: randomBytes(6).toString('base64url'), seq: 0 };
}

/** Gives a writer back once its append to `tp` settled (committed, refused, or unknown). */
export function returnWriter(tp: string, w: Writer): void {
  const list = free.get(tp);
  if (list) list.push(w);
  else free.set(tp, [w]);
}

/** The writer's sequence for its next append. */
export function nextSeq(w: Writer, now: number): number {
  w.seq = Math.max(w.seq + 1, now);
  return w.seq;
}

export const WRITER_SEQ_PREFIX = 'ws';

/** The head attributes of writer `id`: its last sequence and the base that append got. */
export const writerAttributes = (id: string): { seq: string; base: string } => ({ seq: `${WRITER_SEQ_PREFIX}${id}`, base: `wb${id}` });
