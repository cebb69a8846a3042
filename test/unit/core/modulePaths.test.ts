// Where module targets may live (lib/core/modulePaths.ts): inside the allowed
// directories after resolving links, at creation and again at import.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModulePath, importablePath, realModuleDirs } from '../../../lib/core/modulePaths.ts';

const root = mkdtempSync(join(tmpdir(), 'sluice-modpaths-'));
const allowed = join(root, 'allowed');
const outside = join(root, 'outside');
mkdirSync(join(allowed, 'sub'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(allowed, 'sub', 'h.mjs'), '');
writeFileSync(join(outside, 'evil.mjs'), '');
symlinkSync(join(outside, 'evil.mjs'), join(allowed, 'to-evil.mjs'));
symlinkSync(outside, join(allowed, 'to-outside'));
symlinkSync(join(allowed, 'sub', 'h.mjs'), join(allowed, 'to-h.mjs'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const opts = { dirs: [allowed], cwd: allowed };
const refused = (path: string, o = opts) => {
  expect(() => checkModulePath(path, o), path).toThrowError(expect.objectContaining({ code: 'INVALID_TARGET', status: 400 }));
};

describe('checkModulePath (at creation)', () => {
  it('accepts a module inside, absolute or relative to cwd, and returns its absolute path', () => {
    expect(checkModulePath(join(allowed, 'sub', 'h.mjs'), opts)).toBe(join(allowed, 'sub', 'h.mjs'));
    expect(checkModulePath('sub/h.mjs', opts)).toBe(join(allowed, 'sub', 'h.mjs'));
    expect(checkModulePath('./sub/../sub/h.mjs', opts)).toBe(join(allowed, 'sub', 'h.mjs'));
  });

  it('accepts a link that stays inside, and a file not written yet', () => {
    expect(checkModulePath(join(allowed, 'to-h.mjs'), opts)).toBe(join(allowed, 'to-h.mjs'));
    expect(checkModulePath(join(allowed, 'later', 'handler.ts'), opts)).toBe(join(allowed, 'later', 'handler.ts'));
  });

  it('refuses ../ out of the directory, an absolute path outside, and the directory of a sibling with the same prefix', () => {
    refused('../outside/evil.mjs');
    refused(join(allowed, '..', 'outside', 'evil.mjs'));
    refused(join(outside, 'evil.mjs'));
    refused('/etc/passwd');
    refused(`${allowed}-sibling/x.mjs`);
  });

  it('refuses links out of the directory, to a file or through a directory, existing or not', () => {
    refused(join(allowed, 'to-evil.mjs'));
    refused(join(allowed, 'to-outside', 'evil.mjs'));
    refused(join(allowed, 'to-outside', 'not-yet.mjs'));
  });

  it('refuses everything when no allowed directory exists any more', () => {
    refused(join(allowed, 'sub', 'h.mjs'), { dirs: [join(root, 'gone')], cwd: allowed });
  });
});

describe('importablePath (at import)', () => {
  it('returns the real path of a module inside', async () => {
    expect(await importablePath(join(allowed, 'to-h.mjs'), [allowed])).toBe(realModuleDirs([join(allowed, 'sub')])[0] + '/h.mjs');
  });

  it('refuses a module that became a link to the outside after it was checked', async () => {
    const path = join(allowed, 'swap.mjs');
    writeFileSync(path, '');
    expect(checkModulePath(path, opts)).toBe(path);
    unlinkSync(path);
    symlinkSync(join(outside, 'evil.mjs'), path);
    await expect(importablePath(path, [allowed])).rejects.toMatchObject({ name: 'MODULE_TARGET_NOT_ALLOWED' });
  });
});

describe('realModuleDirs', () => {
  it('resolves directories and refuses what is not one', () => {
    expect(realModuleDirs([join(allowed, 'to-outside')])).toEqual(realModuleDirs([outside]));
    expect(() => realModuleDirs([join(root, 'missing')])).toThrow(/does not exist/);
    expect(() => realModuleDirs([join(allowed, 'sub', 'h.mjs')])).toThrow(/is not a directory/);
  });
});
