// Session windows against hand-computed sessions: a record within the gap extends a
// session, one between two sessions merges them (each merged-away session is retracted
// with a null), late records are dropped and counted, and the session store answers by
// key and time range until retention.
import { describe, expect, it } from 'vitest';
import { Materialized, Serdes, SessionWindows, type Windowed } from '../../../lib/streams/index.ts';
import { drive } from './support.ts';

function sessions() {
  return drive((b) =>
    b
      .stream<string, string>('in', { value: Serdes.string() })
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 20))
      .count(Materialized.as('sessions'))
      .toStream()
      .to('out'),
  );
}

async function pipe(driver: ReturnType<typeof drive>, input: Array<[string, number]>) {
  const topic = driver.createInputTopic<string, string>('in', Serdes.string(), Serdes.string());
  for (const [key, ts] of input) await topic.pipeInput(key, 'x', ts);
}

const read = (driver: ReturnType<typeof drive>) =>
  driver
    .createOutputTopic<Windowed<string>, number | null>('out', Serdes.sessionWindowed(Serdes.string()), Serdes.long())
    .readRecordsToList()
    .map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp]);

describe('session windows', () => {
  it('extends, merges and retracts sessions, and drops late records', async () => {
    const driver = sessions();
    await pipe(driver, [['a', 0], ['a', 5], ['a', 30], ['a', 18], ['a', 24], ['a', 2]]);
    expect(read(driver)).toEqual([
      ['a', 0, 0, 1, 0],
      ['a', 0, 0, null, 0],
      ['a', 0, 5, 2, 5],
      ['a', 30, 30, 1, 30],
      ['a', 18, 18, 1, 18],
      ['a', 18, 18, null, 18],
      ['a', 30, 30, null, 30],
      ['a', 18, 30, 3, 30],
    ]);
    expect(Object.values(driver.metrics())).toEqual([1]);
  });

  it('keeps sessions of different keys apart', async () => {
    const driver = sessions();
    await pipe(driver, [['a', 0], ['b', 3]]);
    expect(read(driver)).toEqual([
      ['a', 0, 0, 1, 0],
      ['b', 3, 3, 1, 3],
    ]);
  });

  it('answers the sessions of a key overlapping a time range, until their retention ends', async () => {
    const driver = sessions();
    await pipe(driver, [['a', 0], ['a', 5], ['a', 30], ['a', 18], ['a', 24]]);
    const store = driver.getSessionStore<string, number>('sessions');
    expect(await store.fetch('a', 0, 100)).toEqual([
      { start: 0, end: 5, value: 2, timestamp: 5 },
      { start: 18, end: 30, value: 3, timestamp: 30 },
    ]);
    expect((await store.fetch('a', 6, 17)).length).toBe(0);
    await pipe(driver, [['b', 100]]);
    expect(await store.fetch('a', 0, 100)).toEqual([]);
    expect(driver.internals.memory!.dump('sessions').length).toBe(1);
  });
});
