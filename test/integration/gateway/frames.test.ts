// What a gateway does with requests it cannot serve: oversized frames, unknown API keys,
// versions it does not serve, bodies that end early and random bytes close the
// connection (ApiVersions at an unknown version is answered, per KIP-511); the node keeps
// serving everyone else and nothing is written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_BY_KEY } from '../../../lib/gateway/protocol/apis.ts';
import { decodeMessage } from '../../../lib/gateway/protocol/codec.ts';
import { Reader, Writer } from '../../../lib/gateway/protocol/primitives.ts';
import { useGateway, uniqueName } from './harness.ts';
import { RawConnection } from './raw.ts';

const h = useGateway({ maxFrameBytes: 1024 * 1024 });

function frame(apiKey: number, version: number, body: Buffer = Buffer.alloc(0), flexible = false): Buffer {
  const w = new Writer();
  w.int32(0).int16(apiKey).int16(version).int32(7).string('raw', false);
  if (flexible) w.uvarint(0);
  w.raw(body);
  w.setInt32(0, w.pos - 4);
  return w.finish();
}

async function expectClosed(bytes: Buffer): Promise<void> {
  const conn = await RawConnection.open(h.gateway().port);
  conn.send(bytes);
  await conn.closed;
}

async function stillServes(): Promise<void> {
  const conn = await RawConnection.open(h.gateway().port);
  const res = await conn.request(3, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  expect(res.brokers).toHaveLength(1);
  conn.close();
}

describe('requests the gateway cannot serve', () => {
  it('closes the connection on a frame larger than the limit, before reading it', async () => {
    const head = Buffer.alloc(4);
    head.writeInt32BE(2 * 1024 * 1024);
    await expectClosed(head);
    await stillServes();
  });

  it('closes the connection on an unknown API key and on a version it does not serve', async () => {
    await expectClosed(frame(9999, 0));
    await expectClosed(frame(0, 2)); // Produce v2: message sets before RecordBatch v2
    await expectClosed(frame(24, 0)); // AddPartitionsToTxn: not offered
    await stillServes();
  });

  it('answers ApiVersions at an unknown version at v0 with UNSUPPORTED_VERSION and its ranges', async () => {
    const conn = await RawConnection.open(h.gateway().port);
    const answer = conn.nextFrame();
    conn.send(frame(18, 99));
    const r = new Reader(await answer);
    expect(r.int32()).toBe(7);
    const body = decodeMessage(API_BY_KEY.get(18)!.response, 0, r);
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys.map((k: { apiKey: number }) => k.apiKey)).toContain(0);
    conn.close();
  });

  it('closes the connection on a produce body that ends early, writing nothing', async () => {
    const topic = uniqueName('frames');
    await h.gateway().services.log.createTopic({ name: topic, partitions: 1 });
    const w = new Writer();
    w.string(null, true).int16(-1).int32(1000).uvarint(2).string(topic, true).uvarint(2).int32(0).uvarint(1000);
    await expectClosed(frame(0, 9, w.finish(), true));
    expect(await h.gateway().services.log.listOffsets(topic, 0, 'latest')).toBe(0);
    await stillServes();
  });

  it('survives random frames for every API without writing anything', async () => {
    const keys = [...API_BY_KEY.keys()];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), fc.integer({ min: 0, max: 17 }), fc.uint8Array({ maxLength: 48 }), async (key, version, body) => {
        if (key === 18 || key === 17 || key === 36) return;
        const conn = await RawConnection.open(h.gateway().port);
        conn.send(frame(key, version, Buffer.from(body), version >= 9));
        await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 100))]);
        conn.close();
      }),
      { numRuns: 40 },
    );
    await stillServes();
    const topics = await h.gateway().services.log.listTopics();
    expect(topics.every((t) => t.name.startsWith('frames-'))).toBe(true);
  });
});
