import { existsSync } from 'node:fs';
import type { DuePolicy } from '../domain/due-policy.js';
import { isPostgresUrl } from './database-target.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** The opener's clock: a new database records it as when it began. */
  now?: number;
  /** This instance's name (Postgres: leases, logs, metrics). */
  instance?: string;
}

export interface OpenedStore {
  store: Store;
  /** This open created the database (a new SQLite file, or the schema in an empty Postgres database). */
  created: boolean;
}

/** CARTWATCH_DB's one switch: a `postgres://` or `postgresql://` URL opens Postgres, anything else is a SQLite file. */
export async function openStore(
  target: string,
  policy: DuePolicy,
  options: OpenStoreOptions = {},
): Promise<Store> {
  return (await openStoreTelling(target, policy, options)).store;
}

/** `openStore`, telling also whether the database was just created (start-up feeds a new one the demo). */
export async function openStoreTelling(
  target: string,
  policy: DuePolicy,
  options: OpenStoreOptions = {},
): Promise<OpenedStore> {
  if (isPostgresUrl(target)) {
    const store = await PostgresStore.open(target, policy, options);
    return { store, created: store.created };
  }
  const created = !existsSync(target);
  const store = SqliteStore.open(target, policy, options.now === undefined ? {} : { now: options.now });
  return { store, created };
}
