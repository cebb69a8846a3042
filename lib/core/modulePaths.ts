// Where modules the local dev server runs may live: subscription module targets and
// connector plugins given as a path. Such a module is code the dev server imports and
// runs in its own process, and a subscription or a connector can be created by anything
// that can reach the API, so a module is allowed only inside directories the user named
// when starting the server (`sluice dev --allow-modules DIR`, default: the working directory).
// The check is made on real paths (symbolic links resolved, `..` normalised), at
// creation and again right before every import, since links can change in between; the
// import then loads the real path that was checked.
import { realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import { InvalidTargetError } from './errors.ts';

/** The real paths of `dirs`; throws naming the first that is not a directory. */
export function realModuleDirs(dirs: readonly string[]): string[] {
  return dirs.map((dir) => {
    let real: string;
    try {
      real = realpathSync.native(resolve(dir));
    } catch {
      throw new Error(`module directory '${dir}' does not exist`);
    }
    if (!statSync(real).isDirectory()) throw new Error(`module directory '${dir}' is not a directory`);
    return real;
  });
}

/** Real paths of the directories that still exist (a vanished one allows nothing). */
function existingRealDirs(dirs: readonly string[]): string[] {
  return dirs.flatMap((dir) => {
    try {
      return [realpathSync.native(dir)];
    } catch {
      return [];
    }
  });
}

const within = (path: string, dir: string): boolean => path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);

/**
 * The real location of `path` as far as it exists: the real path of its deepest
 * existing ancestor, followed by the rest (which, not existing, holds no link yet).
 */
function realLocation(path: string): string {
  const rest: string[] = [];
  let at = path;
  for (;;) {
    try {
      return resolve(realpathSync.native(at), ...rest.reverse());
    } catch (err) {
      const parent = dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw err;
      rest.push(basename(at));
      at = parent;
    }
  }
}

export interface ModulePathOptions {
  /** The allowed directories. */
  dirs: readonly string[];
  /** What a relative path is resolved against. */
  cwd: string;
  /** The setting named in errors (default 'target.path'). */
  field?: string;
}

/**
 * The path a module target is stored with (absolute), or INVALID_TARGET when its real
 * location is not inside one of the allowed directories.
 */
export function checkModulePath(path: string, opts: ModulePathOptions): string {
  const field = opts.field ?? 'target.path';
  const absolute = isAbsolute(path) ? resolve(path) : resolve(opts.cwd, path);
  const dirs = existingRealDirs(opts.dirs);
  let real: string;
  try {
    real = realLocation(absolute);
  } catch (err) {
    throw new InvalidTargetError(`'${field}' ${absolute} cannot be resolved: ${(err as Error).message}`, { fields: [field] });
  }
  if (!dirs.some((dir) => within(real, dir))) {
    throw new InvalidTargetError(
      `'${field}' must be inside a directory the dev server allows modules from (${dirs.join(', ') || 'none'}; see \`sluice dev --allow-modules\`): ` +
        `${absolute}${real === absolute ? '' : ` resolves to ${real}`}, which is outside.`,
      { fields: [field] },
    );
  }
  return absolute;
}

/**
 * The real path to import a stored module target from; rejects (name
 * MODULE_TARGET_NOT_ALLOWED) when it now lies outside the allowed directories.
 */
export async function importablePath(path: string, dirs: readonly string[]): Promise<string> {
  const real = await realpath(path);
  if (!existingRealDirs(dirs).some((dir) => within(real, dir))) {
    throw Object.assign(new Error(`module ${path} (real path ${real}) is outside the directories modules are allowed from`), {
      name: 'MODULE_TARGET_NOT_ALLOWED',
    });
  }
  return real;
}
