import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const DAY = 86_400_000;

/**
 * A database made at `createdAt` (by the caller's clock), as if Cartwatch had run since: digests of
 * the days after it are due, while a new database gets none for the day it was made.
 */
export async function createDatabase(file: string, createdAt: number): Promise<void> {
  const store = SqliteStore.open(file, undefined, { now: createdAt });
  await store.close();
}

/** A database running since the day before `now` (the test's clock). */
export function databaseSince(file: string, now: number): Promise<void> {
  return createDatabase(file, now - DAY);
}

/**
 * For a child process: made long before any clock the suite runs on, since a child runs on the real
 * clock while the suite may run under faketime, a year ahead.
 */
export function longStandingDatabase(file: string): Promise<void> {
  return createDatabase(file, Date.UTC(2000, 0, 1));
}
