import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL server for the tests and the bench: Debian's package (installed when missing), a cluster
 * initialised into a temporary directory as the `postgres` user (initdb refuses root), listening on
 * a Unix socket in that directory only, and removed when stopped. No Docker.
 */
export interface PostgresServer {
  /** The socket directory: `postgres://postgres@/db?host=<dir>` reaches it. */
  socketDir: string;
  stop(): void;
}

const PG_ROOT = '/usr/lib/postgresql';

function binDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(path.join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(PG_ROOT, versions[0], 'bin');
}

/** Installs Debian's postgresql package when no server binaries are present. */
export function ensurePostgresInstalled(): string {
  const found = binDir();
  if (found !== undefined) return found;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql'], { stdio: 'inherit', env });
  const installed = binDir();
  if (installed === undefined) throw new Error('postgresql was installed but no initdb was found');
  return installed;
}

/** The server keeps the real clock even when the suite runs under faketime (its timeouts rely on it). */
function realClockEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name === 'LD_PRELOAD' || name.startsWith('FAKETIME')) delete env[name];
  return env;
}

function asPostgres(command: string, args: string[]): void {
  const runAs =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const [program, programArgs] = runAs as [string, string[]];
  const result = spawnSync(program, programArgs, { encoding: 'utf8', env: realClockEnv() });
  if (result.status !== 0) {
    throw new Error(`${path.basename(command)} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

function serverOptions(dir: string, durable: boolean): string {
  // fsync=off is fine for a cluster the tests throw away; the bench keeps it on, as production does.
  return `-k ${dir} -c listen_addresses='' ${durable ? '' : '-c fsync=off '}-c max_connections=300 -c shared_buffers=64MB`;
}

/** Starts a fresh cluster; `durable` keeps fsync on (the bench), otherwise it is off (tests). */
export function startPostgresServer(options: { durable?: boolean } = {}): PostgresServer {
  const bin = ensurePostgresInstalled();
  const dir = mkdtempSync(path.join(tmpdir(), 'cartwatch-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  asPostgres(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  asPostgres(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-o',
    serverOptions(dir, options.durable ?? false),
    '-l',
    path.join(dir, 'log'),
    '-w',
    'start',
  ]);
  return {
    socketDir: dir,
    stop() {
      try {
        asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Restarts the server as a crash would (`-m immediate`): the chaos suite's Postgres failure. */
export function crashRestartPostgres(socketDir: string): void {
  const bin = ensurePostgresInstalled();
  const data = path.join(socketDir, 'data');
  asPostgres(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-m',
    'immediate',
    '-o',
    serverOptions(socketDir, false),
    '-l',
    path.join(socketDir, 'log'),
    '-w',
    'restart',
  ]);
}
