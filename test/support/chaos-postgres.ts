import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import postgres from 'postgres';
import { ensurePostgresInstalled, type PostgresServer, startPostgresServer } from './postgres-server.js';

/**
 * A Postgres server of the chaos suite's own. The suite crashes and restarts its server, which
 * must not pull the shared test server out from under the test files running beside it.
 */
export class ChaosPostgres {
  private constructor(private readonly server: PostgresServer) {}

  static start(): ChaosPostgres {
    return new ChaosPostgres(startPostgresServer());
  }

  get socketDir(): string {
    return this.server.socketDir;
  }

  /** Creates an empty database and returns its name and the URL CARTWATCH_DB takes. */
  async createDatabase(): Promise<{ name: string; url: string }> {
    const name = `chaos_${randomBytes(5).toString('hex')}`;
    await this.asSuperuser((sql) => sql.unsafe(`CREATE DATABASE ${name}`));
    return { name, url: this.urlOf(name) };
  }

  urlOf(database: string): string {
    return `postgres://postgres@localhost/${database}?host=${encodeURIComponent(this.socketDir)}`;
  }

  /** A pool on `database` for reading what the instances wrote (the suite's own checks). */
  open(database: string): postgres.Sql {
    return postgres({ host: this.socketDir, user: 'postgres', database, max: 2, onnotice: () => {} });
  }

  async asSuperuser<T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    const admin = postgres({
      host: this.socketDir,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      onnotice: () => {},
    });
    try {
      return await run(admin);
    } finally {
      await admin.end({ timeout: 1 });
    }
  }

  /** Cuts every connection the instances hold on `database`, as a failover or a DBA would; returns how many. */
  async terminateBackends(database: string): Promise<number> {
    const rows = await this.asSuperuser(
      (sql) => sql<{ ok: boolean }[]>`
        SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = ${database} AND pid <> pg_backend_pid()`,
    );
    return rows.filter((row) => row.ok).length;
  }

  /**
   * `pg_ctl restart -m immediate`: what crashRestartPostgres does, run in the background. That one
   * blocks the event loop while the server comes back, and this process is also the fake Slack,
   * whose recorded call times (the pace check) and answers must not stall meanwhile. Without `-o`,
   * pg_ctl starts the server again with the options it last ran with (postmaster.opts).
   */
  crashRestart(): Promise<void> {
    const pgCtl = path.join(ensurePostgresInstalled(), 'pg_ctl');
    const args = ['-D', path.join(this.socketDir, 'data'), '-m', 'immediate'];
    args.push('-l', path.join(this.socketDir, 'log'), '-w', 'restart');
    const [program, programArgs] =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', pgCtl, ...args]] : [pgCtl, args];
    return new Promise((resolve, reject) => {
      execFile(program, programArgs as string[], { env: realClockEnv() }, (error, stdout, stderr) => {
        if (error) reject(new Error(`pg_ctl restart failed: ${stderr || stdout || error.message}`));
        else resolve();
      });
    });
  }

  stop(): void {
    this.server.stop();
  }
}

/** The server keeps the real clock under the suite's faketime pass, as the shared one does. */
function realClockEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name === 'LD_PRELOAD' || name.startsWith('FAKETIME')) delete env[name];
  return env;
}
