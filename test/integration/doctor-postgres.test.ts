import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/config.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { createLogger } from '../../src/logger.js';
import { connect, migrate } from '../../src/store/postgres/connection.js';
import { LATEST_POSTGRES_VERSION } from '../../src/store/postgres/schema.js';
import { freshPostgresUrl } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

/** The doctor's line about the database, whatever else it checked. */
async function databaseCheck(dbPath: string) {
  const temp = tempDir();
  try {
    const env: Env = { dbPath, port: 0, production: false, logLevel: 'error' };
    const checks = await runDoctor({ env, cwd: temp.dir, logger: createLogger('error') });
    return checks.find((check) => check.subject.startsWith('database '));
  } finally {
    temp.cleanup();
  }
}

async function withSql(url: string, work: (sql: ReturnType<typeof connect>) => Promise<unknown>) {
  const sql = connect(url, { max: 1 });
  try {
    await work(sql);
  } finally {
    await sql.end();
  }
}

describe('cartwatch doctor on a Postgres CARTWATCH_DB', () => {
  it('when the database is empty, then it answers and start will create the schema', async () => {
    const check = await databaseCheck(await freshPostgresUrl());
    expect(check).toMatchObject({ ok: true, detail: expect.stringContaining('answers; empty') });
  });

  it('when Cartwatch has run on it, then its schema is one this Cartwatch knows', async () => {
    const url = await freshPostgresUrl();
    await withSql(url, (sql) => migrate(sql));
    const check = await databaseCheck(url);
    expect(check).toMatchObject({
      ok: true,
      detail: expect.stringMatching(
        new RegExp(`^answers \\(PostgreSQL \\d+\\.\\d+\\), schema ${LATEST_POSTGRES_VERSION}$`),
      ),
    });
  });

  it('when a newer Cartwatch wrote the schema, then it says to run that one', async () => {
    const url = await freshPostgresUrl();
    await withSql(url, async (sql) => {
      await migrate(sql);
      await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)`;
    });
    expect(await databaseCheck(url)).toMatchObject({
      ok: false,
      problem: `schema version 99 was written by a newer Cartwatch; this one knows up to ${LATEST_POSTGRES_VERSION}`,
    });
  });

  it('when the server does not answer, then it names the URL without its password and what to check', async () => {
    const temp = tempDir();
    try {
      const check = await databaseCheck(`postgres://cartwatch:hunter2@localhost/cartwatch?host=${temp.dir}`);
      expect(check).toMatchObject({ ok: false, problem: expect.stringContaining('does not answer') });
      expect(check?.subject).toBe(`database postgres://cartwatch:***@localhost/cartwatch?host=${temp.dir}`);
      expect(JSON.stringify(check)).not.toContain('hunter2');
    } finally {
      temp.cleanup();
    }
  });
});
