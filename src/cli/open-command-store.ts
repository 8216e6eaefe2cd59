import { hostname } from 'node:os';
import { NO_DUE_POLICY } from '../domain/due-policy.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

/** How long a command waits for a Postgres that is down or restarting: a person is waiting too. */
const COMMAND_WAITS_FOR_DATABASE_MS = 30_000;

/**
 * The database CARTWATCH_DB names, for a command that runs beside the bot: a SQLite file or a
 * Postgres URL alike. Commands write only what carries no due times of their own, so the store's
 * default policy serves them, as it always has.
 */
export function openCommandStore(target: string): Promise<Store> {
  return openStore(target, NO_DUE_POLICY, {
    instance: `cli-${hostname()}-${process.pid}`,
    waitMs: COMMAND_WAITS_FOR_DATABASE_MS,
    onWaiting: (problem, retryInMs) =>
      process.stderr.write(
        `cartwatch: the database cannot be reached yet (${problem}); trying again in ${retryInMs} ms\n`,
      ),
  });
}
