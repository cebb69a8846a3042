// Connector management over the API's routes (the dev server's handlers on the test's
// storage): create with validation (nothing written on a bad config), list, config,
// pause/resume/stop/restart semantics, offsets only while stopped (KIP-875), plugins.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/sluice.ts';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { startTestDevServer } from '../client/devServer.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-connect-mgmt-'));
let dev: DevServer;
let sluice: Sluice;

beforeAll(async () => {
  dev = await startTestDevServer({ moduleDirs: [dir], maintenanceIntervalMs: 0, connectors: { sourceIntervalMs: 0 }, subscriptions: { sweepIntervalMs: 0 } });
  sluice = new Sluice({ endpoint: dev.url });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const source = (name: string) => ({ name, config: { 'connector.class': 'FileStreamSource', file: join(dir, `${name}.txt`), topic: `${name}-topic` } });

describe('connector management', () => {
  it('refuses an invalid config with INVALID_CONFIG naming each setting, and stores nothing', async () => {
    const connectors = sluice.connectors();
    await expect(connectors.create({ name: 'bad', config: { 'connector.class': 'FileStreamSink', file: join(dir, 'x'), 'errors.tolerance': 'some' } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      status: 400,
      message: expect.stringMatching(/errors\.tolerance[\s\S]*topics/),
    });
    await expect(connectors.create({ name: 'bad', config: { 'connector.class': 'NoSuchConnector' } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    expect(await connectors.list()).not.toContain('bad');
    await expect(connectors.get('bad')).rejects.toMatchObject({ code: 'UNKNOWN_CONNECTOR', status: 404 });
  });

  it('creates, lists, answers config and info, and refuses a second connector of the same name', async () => {
    const connectors = sluice.connectors();
    const info = await connectors.create(source('mgmt-a'));
    expect(info).toEqual({ name: 'mgmt-a', config: { ...source('mgmt-a').config, name: 'mgmt-a' }, tasks: [{ connector: 'mgmt-a', task: 0 }], type: 'source' });
    await expect(connectors.create(source('mgmt-a'))).rejects.toMatchObject({ code: 'CONNECTOR_ALREADY_EXISTS', status: 409 });
    expect(await connectors.list()).toContain('mgmt-a');
    expect(await connectors.config('mgmt-a')).toMatchObject({ topic: 'mgmt-a-topic' });
    const expanded = await connectors.listExpanded();
    expect(expanded['mgmt-a']).toEqual({ info, status: { name: 'mgmt-a', connector: { state: 'RUNNING', worker_id: 'sluice' }, tasks: [{ id: 0, state: 'RUNNING', worker_id: 'sluice' }], type: 'source' } });
  });

  it('pauses, resumes and stops; offsets change only while stopped; restart keeps them', async () => {
    const connectors = sluice.connectors();
    await connectors.create(source('mgmt-b'));
    await connectors.pause('mgmt-b');
    expect((await connectors.status('mgmt-b')).tasks).toEqual([expect.objectContaining({ state: 'PAUSED' })]);
    const partition = { filename: join(dir, 'mgmt-b.txt') };
    await expect(connectors.alterOffsets('mgmt-b', [{ partition, offset: { position: 3 } }])).rejects.toMatchObject({ code: 'CONNECTOR_NOT_STOPPED', status: 409 });
    await connectors.stop('mgmt-b');
    expect(await connectors.status('mgmt-b')).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
    await expect(connectors.alterOffsets('mgmt-b', [{ partition, offset: { position: -1 } }])).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('non-negative') });
    await connectors.alterOffsets('mgmt-b', [{ partition, offset: { position: 3 } }]);
    expect(await connectors.offsets('mgmt-b')).toEqual([{ partition, offset: { position: 3 } }]);
    await connectors.resume('mgmt-b');
    await connectors.restart('mgmt-b');
    expect(await connectors.offsets('mgmt-b')).toEqual([{ partition, offset: { position: 3 } }]);
    await expect(connectors.resetOffsets('mgmt-b')).rejects.toMatchObject({ code: 'CONNECTOR_NOT_STOPPED' });
    await connectors.stop('mgmt-b');
    await connectors.resetOffsets('mgmt-b');
    expect(await connectors.offsets('mgmt-b')).toEqual([]);
    await connectors.delete('mgmt-b');
    await expect(connectors.status('mgmt-b')).rejects.toMatchObject({ code: 'UNKNOWN_CONNECTOR' });
  });

  it('replaces a config with PUT (and creates with it), validated the same way', async () => {
    const connectors = sluice.connectors();
    await connectors.putConfig('mgmt-c', source('mgmt-c').config);
    await connectors.putConfig('mgmt-c', { ...source('mgmt-c').config, 'batch.size': '5' });
    expect((await connectors.config('mgmt-c'))['batch.size']).toBe('5');
    await expect(connectors.putConfig('mgmt-c', { ...source('mgmt-c').config, 'batch.size': 'many' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    expect((await connectors.config('mgmt-c'))['batch.size']).toBe('5');
  });

  it('lists plugins and validates a config in Kafka\'s ConfigInfos shape; and refuses a module connector outside the allowed directories', async () => {
    const connectors = sluice.connectors();
    const classes = (await connectors.plugins()).map((p) => p.class);
    expect(classes).toEqual(expect.arrayContaining(['org.apache.kafka.connect.file.FileStreamSourceConnector', 'io.confluent.connect.s3.S3SinkConnector', 'PostgresCdcSource', 'DynamoDbCdcSource', 'SqsSink']));
    const infos = await connectors.validate('FileStreamSink', { name: 'v', 'connector.class': 'FileStreamSink', topics: 't', file: join(dir, 'v.txt'), 'errors.tolerance': 'maybe' });
    expect(infos.error_count).toBe(1);
    expect(infos.configs.find((c) => c.definition.name === 'errors.tolerance')?.value.errors).toEqual([expect.stringContaining('errors.tolerance')]);
    await expect(connectors.validate('NoSuch', {})).rejects.toMatchObject({ code: 'UNKNOWN_CONNECTOR_PLUGIN', status: 404 });

    await expect(connectors.create({ name: 'mod', config: { 'connector.class': join(tmpdir(), 'elsewhere.mjs'), topics: 't' } })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('allows modules from') });
  });
});
