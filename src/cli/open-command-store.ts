import { hostname } from 'node:os';
import { NO_DUE_POLICY } from '../domain/due-policy.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

/**
 * The database CARTWATCH_DB names, for a command that runs beside the bot: a SQLite file or a
 * Postgres URL alike. Commands write only what carries no due times of their own, so the store's
 * default policy serves them, as it always has. Unlike the bot's start-up, a command does not wait
 * for a server that cannot be reached: a person is waiting for the answer, as with psql.
 */
export function openCommandStore(target: string): Promise<Store> {
  return openStore(target, NO_DUE_POLICY, { instance: `cli-${hostname()}-${process.pid}` });
}
