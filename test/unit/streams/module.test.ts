// The shape of a topology module (lib/streams/runtime/module.ts): a Topology, or a
// function returning one, as the default export or 'topology', and a valid 'config'.
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../lib/core/errors.ts';
import { Serdes, StreamsBuilder, Topology } from '../../../lib/streams/index.ts';
import { topologyOf } from '../../../lib/streams/runtime/module.ts';

const build = (): Topology => {
  const b = new StreamsBuilder();
  b.stream('in', { key: Serdes.string(), value: Serdes.string() }).to('out');
  return b.build();
};
const config = { 'application.id': 'copy' };

describe('a topology module', () => {
  it('may export its topology as the default export, built or as a (sync or async) function', async () => {
    const built = build();
    expect((await topologyOf({ default: built, config }, 'm.ts')).topology).toBe(built);
    expect((await topologyOf({ default: build, config }, 'm.ts')).topology).toBeInstanceOf(Topology);
    expect((await topologyOf({ default: async () => build(), config }, 'm.ts')).config).toEqual(config);
  });

  it("may export it as 'topology'", async () => {
    expect((await topologyOf({ topology: build, config }, 'm.ts')).topology).toBeInstanceOf(Topology);
  });

  it('is refused without a topology, without a config, or with an invalid application.id', async () => {
    await expect(topologyOf({ config }, 'm.ts')).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(topologyOf({ default: build }, 'm.ts')).rejects.toThrow(/export its StreamsConfig as 'config'/);
    await expect(topologyOf({ default: build, config: { 'application.id': 'no spaces' } }, 'm.ts')).rejects.toBeInstanceOf(InvalidConfigError);
  });
});
