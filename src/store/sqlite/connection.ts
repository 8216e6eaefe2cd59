import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

/**
 * Opens (creating when needed) the database file with the durability Cartwatch promises, and migrates
 * it; `now` (the opener's clock) is recorded with the migrations, so a new file knows when it began.
 */
export function openDatabase(file: string, options: { now?: number } = {}): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  // Larger pages mean fewer WAL frames per commit: measured 7.1 → 5.1 µs per stored event.
  // It takes effect only on a new file (before the first write); existing files keep theirs.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  // FULL: a 202 means the event survives power loss, not just a process crash.
  db.pragma('synchronous = FULL');
  // A backup or a second reader may hold a lock for a moment; wait rather than fail the write.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db, file, options.now);
  return db;
}
