// The plugins a connector may name: connectors (built-in, registered by the host, or —
// in the local dev server — a module given by its path), and the transforms, predicates
// and converters of GET /v1/connector-plugins?connectorsOnly=false.
//
// A module connector is `connector.class=/abs/path/connector.ts` (or ./relative, resolved
// against the server's working directory), exporting a connector defined with
// defineSinkConnector or defineSourceConnector as `default` or `connector`. It is loaded
// only locally and only from the directories the dev server allows modules from
// (`sluice dev --allow-modules`), checked on real paths as for subscription modules.
// Deployed, connectors other than the built-ins are registered by the function that
// bundles them.
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { isDeployed } from '../../core/egress.ts';
import { checkModulePath, importablePath } from '../../core/modulePaths.ts';
import type { ConnectorPluginInfo } from '../../core/connectors.ts';
import { BUILTIN_CONNECTORS, type ConnectorPlugin } from '../connectors/index.ts';
import { CONVERTERS, HEADER_CONVERTERS } from '../converters/index.ts';
import { ConfigException } from '../data/exceptions.ts';
import { PREDICATES } from '../predicates/index.ts';
import { TRANSFORMATIONS } from '../transforms/index.ts';
import { isConnector } from './define.ts';

export interface RegistryOptions {
  /** Where the registry serves (default: inside Lambda): no local-only plugins, no modules. */
  deployed?: boolean;
  /** Connectors beyond the built-ins; one of the same name replaces the built-in. */
  plugins?: readonly ConnectorPlugin[];
  /** Directories modules may be loaded from (none: modules are not loaded). */
  moduleDirs?: readonly string[];
  /** What relative module paths resolve against (default: the working directory). */
  cwd?: string;
}

const MODULE_PATH = /^(\.{0,2}\/|[A-Za-z]:[\\/])|\.(ts|mts|js|mjs)$/;

/** Alias rule of Kafka's plugin loader: the simple name, and without its Connector suffix. */
export const namesOf = (p: { className: string; aliases: readonly string[] }): string[] => [p.className, ...p.aliases];

export class PluginRegistry {
  private readonly deployed: boolean;
  private readonly plugins: readonly ConnectorPlugin[];
  private readonly modules = new Map<string, Promise<ConnectorPlugin>>();

  constructor(private readonly opts: RegistryOptions = {}) {
    this.deployed = opts.deployed ?? isDeployed();
    const own = new Set((opts.plugins ?? []).map((p) => p.className));
    this.plugins = [...(opts.plugins ?? []), ...BUILTIN_CONNECTORS.filter((p) => !own.has(p.className))].filter((p) => !(this.deployed && p.localOnly));
  }

  /** Whether a name could be a module path rather than a class name. */
  static isModulePath(name: string): boolean {
    return MODULE_PATH.test(name);
  }

  /** The connector a name means; ConfigException on connector.class when there is none. */
  async resolve(name: string): Promise<ConnectorPlugin> {
    const wanted = name.trim();
    const found = this.plugins.find((p) => namesOf(p).includes(wanted));
    if (found) return found;
    const localOnly = BUILTIN_CONNECTORS.find((p) => p.localOnly && namesOf(p).includes(wanted));
    if (localOnly) throw new ConfigException('connector.class', wanted, `${localOnly.aliases[0]} reads and writes local files: it runs only in the local dev server.`);
    if (PluginRegistry.isModulePath(wanted)) return this.loadModule(wanted);
    throw new ConfigException('connector.class', wanted, `Failed to find any class that implements Connector and which name matches ${wanted}`);
  }

  private loadModule(path: string): Promise<ConnectorPlugin> {
    if (this.deployed || !this.opts.moduleDirs) {
      return Promise.reject(new ConfigException('connector.class', path, 'Connector modules load only in the local dev server; deployed, bundle the connector with the platform.'));
    }
    const cwd = this.opts.cwd ?? process.cwd();
    let absolute: string;
    try {
      absolute = checkModulePath(path, { dirs: this.opts.moduleDirs, cwd, field: 'connector.class' });
    } catch (err) {
      return Promise.reject(new ConfigException('connector.class', path, (err as Error).message));
    }
    let loading = this.modules.get(absolute);
    if (!loading) {
      loading = (async () => {
        const real = await importablePath(absolute, this.opts.moduleDirs!);
        const mod = (await import(pathToFileURL(real).href)) as { default?: unknown; connector?: unknown };
        const connector = isConnector(mod.default) ? mod.default : isConnector(mod.connector) ? mod.connector : undefined;
        if (!connector) throw new ConfigException('connector.class', path, 'The module exports no connector (export default defineSinkConnector(...) or defineSourceConnector(...)).');
        return { className: isAbsolute(path) ? path : absolute, aliases: [absolute], connector };
      })();
      this.modules.set(absolute, loading);
      loading.catch(() => this.modules.delete(absolute));
    }
    return loading;
  }

  /** GET /v1/connector-plugins: connectors, or with connectorsOnly=false every plugin. */
  pluginInfos(connectorsOnly = true): ConnectorPluginInfo[] {
    const connectors = this.plugins.map((p) => ({ class: p.className, type: p.connector.type, version: p.connector.version }));
    if (connectorsOnly) return connectors;
    return [
      ...connectors,
      ...TRANSFORMATIONS.map((p) => ({ class: p.className, type: 'transformation' as const, version: p.version })),
      ...PREDICATES.map((p) => ({ class: p.className, type: 'predicate' as const, version: p.version })),
      ...CONVERTERS.map((p) => ({ class: p.className, type: 'converter' as const, version: p.version })),
      ...HEADER_CONVERTERS.map((p) => ({ class: p.className, type: 'header_converter' as const, version: p.version })),
    ];
  }
}
