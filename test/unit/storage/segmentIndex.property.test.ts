// The segment index's item layout (lib/storage/segmentIndex.ts): a flush's page of
// entries reads back as exactly those entries, with their offsets, running max
// timestamps and the page they sit in; a single entry is an item of its own.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndexEntry } from '../../../lib/storage/metadata.ts';
import { entriesFromItem, indexEntryItem, indexPageItem, itemOf, pagesFor } from '../../../lib/storage/segmentIndex.ts';

const TOPIC = 'Tq3xYb9mQkq0cS1dWb7h2A';
const PARTITION = 3;

/** Contiguous entries from `base`, each in the partition's own object or a shared one. */
const entriesArb = fc
  .tuple(
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.array(
      fc.record({
        own: fc.boolean(),
        id: fc.uuid(),
        byteStart: fc.integer({ min: 0, max: 2 ** 30 }),
        byteLength: fc.integer({ min: 1, max: 2 ** 24 }),
        recordCount: fc.integer({ min: 1, max: 5000 }),
        firstTimestamp: fc.integer({ min: -1, max: 2 ** 42 }),
        maxTimestamp: fc.integer({ min: -1, max: 2 ** 42 }),
      }),
      { minLength: 1, maxLength: 48 },
    ),
  )
  .map(([base, raw]) => {
    let at = base;
    return raw.map((r): IndexEntry => {
      const e = {
        baseOffset: at,
        lastOffset: at + r.recordCount - 1,
        objectKey: r.own ? `segments/${TOPIC}/${PARTITION}/${r.id}` : `segments/~shared/${r.id}`,
        byteStart: r.byteStart,
        byteLength: r.byteLength,
        recordCount: r.recordCount,
        firstTimestamp: r.firstTimestamp,
        maxTimestamp: r.maxTimestamp,
      };
      at += r.recordCount;
      return e;
    });
  });

describe('index pages', () => {
  it('read back as the entries written, with running max timestamps from the page base', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: -1, max: 2 ** 42 }), fc.boolean(), (entries, runBase, mark) => {
        const read = entriesFromItem(indexPageItem(TOPIC, PARTITION, entries, runBase, mark));

        expect(read.map(({ runMax: _r, timeMark: _t, item: _i, ...e }) => e)).toEqual(entries);
        let run = runBase;
        expect(read.map((e) => e.runMax)).toEqual(entries.map((e) => (run = Math.max(run, e.maxTimestamp))));
        expect(read.map((e) => e.timeMark)).toEqual(entries.map((_, i) => mark && i === entries.length - 1));
        expect(read.map((e) => itemOf(e).lastOffset === e.lastOffset)).toEqual(entries.map((_, i) => i === entries.length - 1));
        const ids = new Set(read.map((e) => JSON.stringify(itemOf(e))));
        expect(ids.size).toBe(1);
        expect(itemOf(read[0]!)).toEqual({
          lastOffset: entries.at(-1)!.lastOffset,
          objectKey: entries.at(-1)!.objectKey,
          ...(entries.length > 1 ? { pageBase: entries[0]!.baseOffset } : {}),
        });
      }),
    );
  });

  it('an entry written alone is an item of its own, delete horizon included', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 0, max: 2 ** 42 }), (entries, horizon) => {
        const e = { ...entries[0]!, deleteHorizon: horizon };

        const [read, ...more] = entriesFromItem(indexEntryItem(TOPIC, PARTITION, e, e.maxTimestamp, false));

        expect(more).toEqual([]);
        expect(read).toEqual({ ...e, runMax: e.maxTimestamp, timeMark: false });
        expect(itemOf(read!)).toEqual({ lastOffset: e.lastOffset, objectKey: e.objectKey });
      }),
    );
  });

  it('pages are cut after every entry with a delete horizon, which only a page end may carry', () => {
    fc.assert(
      fc.property(entriesArb, fc.array(fc.boolean(), { minLength: 48, maxLength: 48 }), (entries, horizons) => {
        const marked = entries.map((e, i) => (horizons[i] ? { ...e, deleteHorizon: 1 } : e));

        const pages = pagesFor(marked);

        expect(pages.flat()).toEqual(marked);
        for (const page of pages) expect(page.slice(0, -1).every((e) => e.deleteHorizon === undefined)).toBe(true);
        for (const page of pages) expect(entriesFromItem(indexPageItem(TOPIC, PARTITION, page, -1, false)).map((e) => e.deleteHorizon)).toEqual(page.map((e) => e.deleteHorizon));
      }),
    );
  });
});
