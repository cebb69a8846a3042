// A topology module: what `sluice processors run ./topology.ts` (the dev server),
// `platform.addProcessor(name, { entry })` (CDK) and a long-running process load. It is
// an ES module (TypeScript or JavaScript) that exports
//
//   export const config = { 'application.id': 'word-count' };   // StreamsConfig (required)
//   export default function topology() { ... return builder.build(); }
//
// The topology is the default export or a named `topology` export: a Topology, or a
// function (sync or async) returning one. `config['application.id']` is the processor's
// name. Anything else is refused with INVALID_CONFIG naming what is wrong.
import { pathToFileURL } from 'node:url';
import { InvalidConfigError } from '../../core/errors.ts';
import { engineConfig, type StreamsConfig } from '../engine/config.ts';
import { Topology } from '../engine/topology.ts';

/** A deployed processor's name (platform.addProcessor), in its function's environment. */
export const PROCESSOR_NAME_ENV_VAR = 'SLUICE_PROCESSOR_NAME';

export interface TopologyModule {
  topology?: unknown;
  default?: unknown;
  config?: unknown;
}

export interface LoadedTopology {
  topology: Topology;
  config: StreamsConfig;
}

/** The topology and config a module's exports define (see the header for the shape). */
export async function topologyOf(mod: TopologyModule, where: string): Promise<LoadedTopology> {
  const exported = mod.topology ?? mod.default;
  const made = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (!(made instanceof Topology)) {
    throw new InvalidConfigError(
      `${where} must export a Topology (or a function returning one) as its default export or as 'topology'; ` +
        `build it with new StreamsBuilder() ... builder.build() from 'sluice/streams'.`,
      { entry: where },
    );
  }
  const config = mod.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidConfigError(`${where} must export its StreamsConfig as 'config', e.g. export const config = { 'application.id': 'word-count' }.`, { entry: where });
  }
  engineConfig(config as StreamsConfig); // validated here, so a bad config is named at load time
  return { topology: made, config: config as StreamsConfig };
}

/**
 * Imports the module at a (checked, real) path and returns its topology. `version`
 * makes a fresh import of a changed file (hot reload): ES modules are cached by URL.
 */
export async function importTopology(path: string, version?: number): Promise<LoadedTopology> {
  const url = pathToFileURL(path).href + (version === undefined ? '' : `?v=${version}`);
  return topologyOf((await import(url)) as TopologyModule, path);
}
