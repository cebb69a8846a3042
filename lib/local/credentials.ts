// The emulators' credentials, which are what keeps the local platform's data private.
//
// DynamoDB Local listens on every network interface: it has no option to bind one
// address (its Jetty server is built from a port alone). It does keep a separate database
// per access key id (and region) unless started with -sharedDb, and it never lists other
// key ids' databases. So the access key id is the secret: a random one per data
// directory, kept in `<dataDir>/credentials.json` (mode 0600), or a fresh one per start
// without a data directory. Anyone reaching the port without it sees an empty database
// of their own. The database file is named after the key id, so the directory holding it
// is made private (0700) too. s3rver, which listens on loopback only, is given the same
// key pair (see s3rver-process.ts), so one pair signs for both.
//
//   credentials.json   {"accessKeyId":"SLUICE<32 hex>","secretAccessKey":"<64 hex>"}
//   dynamodb/<accessKeyId>_<region>.db    DynamoDB Local's database for that key id
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface EmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const CREDENTIALS_FILE = 'credentials.json';
/** DynamoDB Local's file name for its database under -sharedDb (earlier versions used it). */
const SHARED_DB_FILE = 'shared-local-instance.db';
/** A database file's SQLite side files, then the file itself: moved in this order, a
 *  rename interrupted halfway is finished by the next start without separating a hot
 *  journal from its database. */
const SQLITE_FILES = ['-journal', '-wal', '-shm', ''];
/** DynamoDB Local accepts key ids of letters and digits (in dash-separated groups). */
const KEY_ID = /^[A-Za-z0-9]{16,128}$/;

/** A new random key pair. */
export function newCredentials(): EmulatorCredentials {
  return {
    accessKeyId: `SLUICE${randomBytes(16).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(32).toString('hex'),
  };
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** The data directory's key pair, created (0600) on first use. */
export async function dataDirCredentials(dataDir: string): Promise<EmulatorCredentials> {
  const path = join(dataDir, CREDENTIALS_FILE);
  const fresh = newCredentials();
  try {
    // 'wx': never overwrite a pair another start wrote a moment ago.
    await writeFile(path, `${JSON.stringify(fresh)}\n`, { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
  let parsed: Partial<EmulatorCredentials> | undefined;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<EmulatorCredentials>;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed.accessKeyId !== 'string' || !KEY_ID.test(parsed.accessKeyId) || typeof parsed.secretAccessKey !== 'string') {
    throw new Error(
      `${path} is not a valid Sluice credentials file ({"accessKeyId","secretAccessKey"}); the local data is stored under its key id, so restore it rather than delete it.`,
    );
  }
  return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey };
}

/**
 * Makes a DynamoDB Local directory private and, if it still holds a database written
 * under -sharedDb (before per-key databases), renames it to the key id's database so
 * its tables stay visible.
 */
export async function prepareDynamoDbDirectory(dbPath: string, credentials: EmulatorCredentials, region: string): Promise<void> {
  await chmod(dbPath, 0o700);
  const target = join(dbPath, `${credentials.accessKeyId}_${region}.db`);
  const legacy = join(dbPath, SHARED_DB_FILE);
  if (!(await exists(legacy)) || (await exists(target))) return;
  for (const suffix of SQLITE_FILES) {
    try {
      await rename(`${legacy}${suffix}`, `${target}${suffix}`);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}
