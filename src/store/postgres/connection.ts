import postgres from 'postgres';
import { LATEST_POSTGRES_VERSION, POSTGRES_MIGRATIONS } from './schema.js';

export type Sql = postgres.Sql;
/** A connection inside a transaction (what `sql.begin` hands its callback). */
export type Tx = postgres.TransactionSql;
/** Either: helpers that only run statements take whichever they are given. */
export type Runner = Sql | Tx;

export { isPostgresUrl, redactUrl } from '../database-target.js';

/**
 * libpq's way to name a Unix socket, `postgres:///db?host=/run/postgresql`, which the client does not
 * read from the URL itself: the directory is taken out and handed over as the host.
 */
function splitSocketDir(url: string): { url: string; socketDir?: string } {
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host');
  if (host === null || !host.startsWith('/')) return { url };
  parsed.searchParams.delete('host');
  return { url: parsed.toString(), socketDir: host };
}

/** Any migration number holds this: instances starting together migrate one at a time. */
export const MIGRATION_LOCK = 0x63617274; // "cart"

/**
 * Opens a pool on the database. BIGINT columns (epoch milliseconds, ids, money in minor units)
 * come back as numbers, not strings: every value Cartwatch keeps in them stays far below 2^53.
 */
export function connect(
  url: string,
  options: { max?: number; applicationName?: string; connectTimeoutS?: number } = {},
): Sql {
  const { url: target, socketDir } = splitSocketDir(url);
  return postgres(target, {
    ...(socketDir !== undefined && { host: socketDir }),
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: options.connectTimeoutS ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'cartwatch' },
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  });
}

export class PostgresSchemaTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `the Postgres database has schema version ${found}, newer than this Cartwatch knows (${known}): run a newer Cartwatch`,
    );
  }
}

/**
 * Applies the migrations the database lacks, under an advisory lock so that instances starting
 * together take turns; `now` (the opener's clock) is kept with each, the first being when the
 * database began.
 */
export async function migrate(sql: Sql, now = Date.now()): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
    const [row] = await tx<{ v: number | null }[]>`SELECT max(version) AS v FROM schema_migrations`;
    const current = row?.v ?? 0;
    if (current > LATEST_POSTGRES_VERSION)
      throw new PostgresSchemaTooNewError(current, LATEST_POSTGRES_VERSION);
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= current) continue;
      await tx.unsafe(migration.sql);
      await tx`INSERT INTO schema_migrations (version, name, applied_at)
        VALUES (${migration.version}, ${migration.name}, ${now})`;
    }
  });
}

/** Deadlocks and serialization failures: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `work` as one transaction, again (up to a few times) when Postgres chose it as a deadlock
 * victim or could not serialise it; any other error propagates with the transaction rolled back.
 */
export async function transaction<T>(sql: Sql, work: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return (await sql.begin(work)) as T;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
    }
  }
}
