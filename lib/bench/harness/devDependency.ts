// Packages a benchmark compares against or drives (kafkajs) are devDependencies: no
// product module loads them, and an install without devDependencies gets a
// MissingDevDependency saying which one and how to install it, never a crash.

/** A package the benchmark needs is not installed (an install without devDependencies). */
export class MissingDevDependency extends Error {
  override name = 'MissingDevDependency';
  constructor(readonly dependency: string, cause: unknown) {
    super(`${dependency}, which is not installed (a devDependency: npm ci or npm install --include=dev installs it)`, { cause });
  }
}

/** Loads a module (default: import()); tests pass one that fails. */
export type Importer = (specifier: string) => Promise<unknown>;

export const defaultImporter: Importer = (specifier) => import(specifier);

const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/**
 * `specifier`, a module of the devDependency `dependency`, as its CommonJS exports (the
 * default export when there is one). Not installed: MissingDevDependency; any other
 * failure goes through as it is.
 */
export async function importDevDependency(importer: Importer, specifier: string, dependency: string): Promise<any> {
  let mod: { default?: unknown };
  try {
    mod = (await importer(specifier)) as { default?: unknown };
  } catch (err) {
    if (NOT_FOUND.has((err as { code?: string }).code ?? '')) throw new MissingDevDependency(dependency, err);
    throw err;
  }
  return mod.default ?? mod;
}
