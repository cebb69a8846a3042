// FileStreamSource and FileStreamSink as Kafka's quickstart uses them: lines in, lines
// out, positions as source offsets, resumption from the committed position.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileStreamSink, javaString } from '../../../../lib/connect/connectors/file/sink.ts';
import { completeLines, fileStreamSource } from '../../../../lib/connect/connectors/file/source.ts';
import type { SourceMap } from '../../../../lib/connect/data/record.ts';
import { runSinkBatch } from '../../../../lib/connect/tasks/sink.ts';
import { partitionKey, pollSource } from '../../../../lib/connect/tasks/source.ts';
import { startSinkTask, startSourceTask } from '../../../../lib/connect/tasks/task.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Committed offsets, as the runtime would keep them after each poll. */
function offsetStore() {
  const map = new Map<string, SourceMap | null>();
  return {
    get: (p: SourceMap) => map.get(partitionKey(p)) ?? null,
    commit: (offsets: { partition: SourceMap; offset: SourceMap | null }[]) => offsets.forEach((o) => map.set(partitionKey(o.partition), o.offset)),
  };
}

describe('FileStreamSource', () => {
  it('splits lines at \\n, \\r\\n and \\r, and waits for a line without its end', () => {
    const lines = completeLines(Buffer.from('a\nbb\r\nc\rd'), 100);
    expect(lines).toEqual([
      ['a', 2],
      ['bb', 4],
      ['c', 2],
    ]);
    expect(completeLines(Buffer.from('x\r'), 100)).toEqual([]);
    expect(completeLines(Buffer.from('1\n2\n3\n'), 2)).toHaveLength(2);
  });

  it('reads lines as string records with positions, and resumes from the committed position', async () => {
    const file = join(dir, 'test.txt');
    writeFileSync(file, 'foo\nbar\n');
    const props = { name: 'local-file-source', 'connector.class': 'FileStreamSource', tasks_max: '1', file, topic: 'connect-test', 'batch.size': '1' };
    const task = await startSourceTask(fileStreamSource, { props, clock: { now: () => 42 } });
    const offsets = offsetStore();
    const first = await pollSource(task, { offsets: offsets.get });
    expect(first.records.map((r) => [r.topic, r.value?.toString(), r.timestamp])).toEqual([['connect-test', '{"schema":{"type":"string","optional":false},"payload":"foo"}', 42]]);
    expect(first.sourceOffsets).toEqual([{ partition: { filename: file }, offset: { position: 4 } }]);
    // Not committed: the next poll reads the same line again.
    expect((await pollSource(task, { offsets: offsets.get })).records[0]!.value?.toString()).toContain('"foo"');
    offsets.commit(first.sourceOffsets);
    appendFileSync(file, 'hello world');
    const second = await pollSource(task, { offsets: offsets.get });
    expect(second.records.map((r) => r.value?.toString())).toEqual(['{"schema":{"type":"string","optional":false},"payload":"bar"}']);
    offsets.commit(second.sourceOffsets);
    // The last line has no end yet: nothing until it has.
    expect((await pollSource(task, { offsets: offsets.get })).outcome).toBe('idle');
    appendFileSync(file, '\n');
    expect((await pollSource(task, { offsets: offsets.get })).sourceOffsets).toEqual([{ partition: { filename: file }, offset: { position: 20 } }]);
  });

  it('a missing file is idle; no file is a validation error; offsets are checked as Kafka checks them', async () => {
    const task = await startSourceTask(fileStreamSource, { props: { name: 's', 'connector.class': 'FileStreamSource', file: join(dir, 'none.txt'), topic: 't' } });
    expect((await pollSource(task, { offsets: () => null })).outcome).toBe('idle');
    expect(fileStreamSource.validate!({ topic: 't' })).toEqual({ file: ['Name a file: reading standard input is not supported.'] });
    const alter = fileStreamSource.alterOffsets!;
    expect(() => alter({}, [{ partition: { filename: 'a' }, offset: { position: 10 } }, { partition: { filename: 'b' }, offset: null }])).not.toThrow();
    expect(() => alter({}, [{ partition: { file: 'a' }, offset: { position: 1 } }])).toThrow(/should contain the key 'filename'/);
    expect(() => alter({}, [{ partition: { filename: 'a' }, offset: { position: -1 } }])).toThrow(/non-negative/);
    expect(() => alter({}, [{ partition: { filename: 'a' }, offset: { position: '1' } }])).toThrow(/Long value/);
  });
});

describe('FileStreamSink', () => {
  it('appends each value as a line (Kafka\'s quickstart: the JSON envelope read back to "foo")', async () => {
    const file = join(dir, 'test.sink.txt');
    const task = await startSinkTask(fileStreamSink, { props: { name: 'local-file-sink', 'connector.class': 'FileStreamSink', topics: 'connect-test', file } });
    const raw = (offset: number, payload: string) => ({
      topic: 'connect-test',
      partition: 0,
      offset,
      timestamp: 0,
      key: null,
      value: Buffer.from(JSON.stringify({ schema: { type: 'string', optional: false }, payload })),
      headers: [],
    });
    expect(await runSinkBatch(task, [raw(0, 'foo'), raw(1, 'bar')])).toMatchObject({ outcome: 'delivered', delivered: 2 });
    expect(readFileSync(file, 'utf8')).toBe('foo\nbar\n');
  });

  it('writes other values as Java\'s toString', () => {
    expect(javaString({ line: 'foo', data_source: 'test-file-source' })).toBe('{line=foo, data_source=test-file-source}');
    expect([javaString(null), javaString([1, 'a']), javaString(1.5)]).toEqual(['null', '[1, a]', '1.5']);
  });
});
