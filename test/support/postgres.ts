import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** Set by the global setup to the throwaway server's socket directory. */
export const TEST_PG_SOCKET_ENV = 'CARTWATCH_TEST_PG_SOCKET';

function socketDir(): string {
  const dir = process.env[TEST_PG_SOCKET_ENV];
  if (dir === undefined)
    throw new Error(`${TEST_PG_SOCKET_ENV} is not set: the global test setup starts Postgres`);
  return dir;
}

/** A URL for a database on the test server (libpq's socket form, which CARTWATCH_DB accepts). */
export function testPostgresUrl(database: string): string {
  return `postgres://postgres@localhost/${database}?host=${encodeURIComponent(socketDir())}`;
}

/** Creates an empty database of its own for one test and returns its URL. */
export async function freshPostgresUrl(): Promise<string> {
  const name = `cw_${randomBytes(6).toString('hex')}`;
  const admin = postgres({
    host: socketDir(),
    user: 'postgres',
    database: 'postgres',
    max: 1,
    onnotice: () => {},
  });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return testPostgresUrl(name);
}

/** Runs SQL as the server's superuser on the maintenance database (killing backends, say). */
export async function asSuperuser<T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres({
    host: socketDir(),
    user: 'postgres',
    database: 'postgres',
    max: 1,
    onnotice: () => {},
  });
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}
