// The plugin registry: built-ins by every name, local-only connectors refused deployed,
// custom connectors loaded from modules in the allowed directories only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigException } from '../../../lib/connect/data/exceptions.ts';
import { PluginRegistry } from '../../../lib/connect/plugins/registry.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const elsewhere = mkdtempSync(join(tmpdir(), 'sluice-plugins-'));
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

describe('PluginRegistry', () => {
  it('finds built-ins by class name and alias', async () => {
    const registry = new PluginRegistry({ deployed: false });
    for (const name of ['FileStreamSink', 'FileStreamSinkConnector', 'org.apache.kafka.connect.file.FileStreamSinkConnector']) {
      expect((await registry.resolve(name)).className).toBe('org.apache.kafka.connect.file.FileStreamSinkConnector');
    }
    expect((await registry.resolve('S3Sink')).connector.type).toBe('sink');
    expect((await registry.resolve('io.confluent.connect.http.HttpSinkConnector')).aliases).toContain('HttpSink');
    await expect(registry.resolve('com.example.Nope')).rejects.toThrow('Failed to find any class that implements Connector and which name matches com.example.Nope');
  });

  it('lists connectors, or every plugin with connectorsOnly=false', () => {
    const local = new PluginRegistry({ deployed: false });
    expect(local.pluginInfos().map((p) => p.class)).toEqual([
      'org.apache.kafka.connect.file.FileStreamSourceConnector',
      'org.apache.kafka.connect.file.FileStreamSinkConnector',
      'io.confluent.connect.s3.S3SinkConnector',
      'io.confluent.connect.http.HttpSinkConnector',
      'PostgresCdcSource',
      'DynamoDbCdcSource',
      'SqsSource',
      'SqsSink',
      'EventBridgeSink',
      'DynamoDbSink',
      'LambdaSink',
    ]);
    const all = local.pluginInfos(false);
    expect(all).toContainEqual({ class: 'org.apache.kafka.connect.transforms.InsertField$Value', type: 'transformation', version: '1.0' });
    expect(all).toContainEqual({ class: 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey', type: 'predicate', version: '1.0' });
    expect(all).toContainEqual({ class: 'org.apache.kafka.connect.json.JsonConverter', type: 'converter', version: '1.0' });
    expect(all).toContainEqual({ class: 'org.apache.kafka.connect.storage.SimpleHeaderConverter', type: 'header_converter', version: '1.0' });
  });

  it('deployed: the file connectors are refused and modules are not loaded', async () => {
    const deployed = new PluginRegistry({ deployed: true, moduleDirs: [FIXTURES] });
    expect(deployed.pluginInfos().map((p) => p.class)).not.toContain('org.apache.kafka.connect.file.FileStreamSinkConnector');
    await expect(deployed.resolve('FileStreamSource')).rejects.toThrow(/runs only in the local dev server/);
    await expect(deployed.resolve(join(FIXTURES, 'echo-source.ts'))).rejects.toThrow(/load only in the local dev server/);
  });

  it('locally: a module in an allowed directory is a connector named by its path', async () => {
    const registry = new PluginRegistry({ deployed: false, moduleDirs: [FIXTURES] });
    const path = join(FIXTURES, 'echo-source.ts');
    const plugin = await registry.resolve(path);
    expect([plugin.className, plugin.connector.type]).toEqual([path, 'source']);
    expect(plugin.connector.taskConfigs!({ topic: 't' }, 5)).toEqual([
      { topic: 't', shard: '0' },
      { topic: 't', shard: '1' },
    ]);
  });

  it('refuses modules outside the allowed directories, and modules without a connector', async () => {
    const registry = new PluginRegistry({ deployed: false, moduleDirs: [elsewhere] });
    await expect(registry.resolve(join(FIXTURES, 'echo-source.ts'))).rejects.toThrow(/must be inside a directory the dev server allows modules from/);
    const fixtures = new PluginRegistry({ deployed: false, moduleDirs: [FIXTURES] });
    await expect(fixtures.resolve(join(FIXTURES, 'not-a-connector.ts'))).rejects.toThrow(ConfigException);
    await expect(new PluginRegistry({ deployed: false }).resolve('./x.ts')).rejects.toThrow(/load only in the local dev server/);
  });
});
