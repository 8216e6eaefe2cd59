import type Database from 'better-sqlite3';

/**
 * A transaction that takes the write lock when it begins (BEGIN IMMEDIATE). A deferred one reads
 * first and asks for the lock at its first write; if another process holds it then, SQLite answers
 * "database is locked" at once instead of waiting out busy_timeout, as it must to avoid deadlock.
 * Every transaction of the writer writes, so each one waits for the lock up front instead.
 */
export function writeTransaction<F extends (...args: never[]) => unknown>(db: Database.Database, fn: F): F {
  return db.transaction(fn).immediate as unknown as F;
}
