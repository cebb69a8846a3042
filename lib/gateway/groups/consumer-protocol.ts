// The embedded "consumer" protocol of Kafka's classic groups (ConsumerProtocolSubscription
// and ConsumerProtocolAssignment, never flexible). The gateway reads the topics out of a
// member's subscription (OffsetDelete must know what a group consumes) and writes an
// assignment when it describes a group whose assignment the server made (KIP-848 members).
//
//   Subscription => version:int16 topics:[string] user_data:bytes? [owned_partitions ...]
//   Assignment   => version:int16 assigned:[topic:string partitions:[int32]] user_data:bytes?
import { ProtocolError, Reader, Writer } from '../protocol/primitives.ts';

/** The topics a member subscribed to; empty when the metadata is not the consumer protocol's. */
export function subscribedTopics(metadata: Buffer): string[] {
  try {
    const r = new Reader(metadata);
    r.int16();
    const n = r.count(false);
    const topics: string[] = [];
    for (let i = 0; i < n; i++) topics.push(r.string(false) ?? '');
    return topics;
  } catch (err) {
    if (err instanceof ProtocolError) return [];
    throw err;
  }
}

export function encodeAssignment(assigned: { topic: string; partitions: number[] }[]): Buffer {
  const w = new Writer(64);
  w.int16(0).int32(assigned.length);
  for (const a of assigned) {
    w.string(a.topic, false).int32(a.partitions.length);
    for (const p of a.partitions) w.int32(p);
  }
  w.bytes(null, false);
  return w.finish();
}
