import { existsSync } from 'node:fs';
import type { DuePolicy } from '../domain/due-policy.js';
import { CartwatchError } from '../errors.js';
import { isPostgresUrl, redactUrl } from './database-target.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** The opener's clock: a new database records it as when it began. */
  now?: number;
  /** This instance's name (Postgres: leases, logs, metrics). */
  instance?: string;
}

/**
 * CARTWATCH_DB's one switch: a `postgres://` or `postgresql://` URL opens Postgres, anything else is a
 * SQLite file. The Postgres store and its client are loaded only when asked for, so a SQLite run and
 * every command on a file start no slower than before.
 */
export async function openStore(
  target: string,
  policy: DuePolicy,
  options: OpenStoreOptions = {},
): Promise<Store> {
  if (isPostgresUrl(target)) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.open(target, policy, options).catch((error: unknown) => {
      throw new CartwatchError(
        'DB_OPEN_FAILED',
        `cannot open the Postgres database ${redactUrl(target)}: ${error instanceof Error ? error.message : String(error)}. ` +
          'Check CARTWATCH_DB and that the server is running and reachable; `cartwatch doctor` checks it',
        { cause: error },
      );
    });
  }
  return SqliteStore.open(target, policy, options.now === undefined ? {} : { now: options.now });
}

/**
 * Whether opening `target` would create the database: no SQLite file yet, or a Postgres database
 * without Cartwatch's schema. Asked before opening, because a new database changes what start-up
 * opens it with (the sandbox feeds it the demo, whose sources are watched too). An unreachable
 * Postgres counts as not new: opening it then fails with the reason.
 */
export async function isNewDatabase(target: string): Promise<boolean> {
  if (!isPostgresUrl(target)) return !existsSync(target);
  const { inspectPostgres } = await import('./postgres/inspect.js');
  return (await inspectPostgres(target)).state === 'empty';
}
