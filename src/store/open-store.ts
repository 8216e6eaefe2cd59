import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DuePolicy } from '../domain/due-policy.js';
import { CartwatchError, StoreUnavailableError } from '../errors.js';
import { isPostgresUrl, redactUrl } from './database-target.js';
import { isConnectionLost } from './postgres/unavailable.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** The opener's clock: a new database records it as when it began. */
  now?: number;
  /** This instance's name (Postgres: leases, logs, metrics). */
  instance?: string;
  /** SQLite: how long a write waits out another process's write lock before it is refused. */
  lockWaitMs?: number;
  /**
   * How long to keep trying while Postgres cannot be reached (down, restarting, not yet up beside
   * us); 0 fails at once. Wrong credentials, a missing database or a too-new schema fail at once.
   */
  waitMs?: number;
  /** Told of each failed try that will be followed by another. */
  onWaiting?: (problem: string, retryInMs: number) => void;
}

/** First pause between tries, doubled each time up to the longest. */
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 2_000;

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
  if (isPostgresUrl(target)) return openPostgres(target, policy, options);
  const { now, lockWaitMs } = options;
  return SqliteStore.open(target, policy, {
    ...(now !== undefined && { now }),
    ...(lockWaitMs !== undefined && { lockWaitMs }),
  });
}

/**
 * A server that is down or restarting is waited for, as a supervisor would otherwise restart us
 * in a loop: instances and Postgres often start together, and a crash-restart takes seconds.
 * A try that dies half-way (migrating, say) is safe to repeat: migrations are transactional.
 */
async function openPostgres(target: string, policy: DuePolicy, options: OpenStoreOptions): Promise<Store> {
  const { PostgresStore } = await import('./postgres/postgres-store.js');
  const giveUpAt = Date.now() + (options.waitMs ?? 0);
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    try {
      return await PostgresStore.open(target, policy, options);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      if (!isConnectionLost(error) || Date.now() + pause > giveUpAt) {
        throw new CartwatchError(
          'DB_OPEN_FAILED',
          `cannot open the Postgres database ${redactUrl(target)}: ${problem}. ` +
            'Check CARTWATCH_DB and that the server is running and reachable; `cartwatch doctor` checks it',
          { cause: error },
        );
      }
      options.onWaiting?.(problem, pause);
      await sleep(pause);
    }
  }
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

/**
 * Whether an operation failed because the database could not be reached or the connection was
 * lost under it (a Postgres restart, a terminated backend), rather than for anything it did.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  return error instanceof StoreUnavailableError || isConnectionLost(error);
}
