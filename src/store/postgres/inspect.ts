import { connect } from './connection.js';
import { LATEST_POSTGRES_VERSION } from './schema.js';

export type PostgresInspection =
  /** No connection (server away, wrong host, password or database name). */
  | { state: 'unreachable'; problem: string }
  /** Reachable, and no Cartwatch schema yet: the first start (or `cartwatch migrate --to`) makes it. */
  | { state: 'empty'; otherTables: number; serverVersion: number }
  | { state: 'present'; schemaVersion: number; knownVersion: number; serverVersion: number };

/**
 * Looks at a Postgres database without changing it, for start-up (is it new?), `cartwatch doctor`
 * (reachable, a schema this code knows) and `cartwatch migrate --to` (is it empty?).
 */
export async function inspectPostgres(
  url: string,
  options: { timeoutS?: number } = {},
): Promise<PostgresInspection> {
  const sql = connect(url, {
    max: 1,
    applicationName: 'cartwatch-inspect',
    connectTimeoutS: options.timeoutS ?? 10,
  });
  try {
    const [found] = await sql<{ migrations: string | null; tables: number; version: number }[]>`
      SELECT to_regclass('schema_migrations')::text AS migrations,
        current_setting('server_version_num')::int AS version,
        (SELECT count(*)::int FROM pg_tables WHERE schemaname = current_schema()) AS tables`;
    const serverVersion = found?.version ?? 0;
    if (found?.migrations == null) return { state: 'empty', otherTables: found?.tables ?? 0, serverVersion };
    const [row] = await sql<{ v: number | null }[]>`SELECT max(version) AS v FROM schema_migrations`;
    return {
      state: 'present',
      schemaVersion: row?.v ?? 0,
      knownVersion: LATEST_POSTGRES_VERSION,
      serverVersion,
    };
  } catch (error) {
    return { state: 'unreachable', problem: error instanceof Error ? error.message : String(error) };
  } finally {
    await sql.end({ timeout: 1 });
  }
}
