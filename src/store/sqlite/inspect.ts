import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION } from './migrations.js';

export type DatabaseInspection =
  /** No file yet: Cartwatch creates it at start, if it may write in the folder. */
  | { state: 'absent'; folderWritable: boolean; folderProblem?: string }
  | { state: 'unreadable'; problem: string }
  | { state: 'not-cartwatch' }
  | {
      state: 'present';
      schemaVersion: number;
      knownVersion: number;
      /** Undefined when writing could be tried; otherwise why it failed. */
      writeProblem?: string;
    };

/**
 * Looks at a database file without changing it (no migration, no write that is kept), for
 * `cartwatch doctor`: whether it opens, its schema version against this code's, and whether this
 * process may write it. The write is tried inside a transaction that is rolled back, so a
 * read-only file system or a file the process may not write is found, whoever runs the check.
 */
export function inspectSqliteFile(file: string): DatabaseInspection {
  if (!existsSync(file)) return absent(file);
  if (statSync(file).isDirectory()) return { state: 'unreadable', problem: 'it is a folder, not a file' };
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (error) {
    return { state: 'unreadable', problem: messageOf(error) };
  }
  try {
    db.pragma('busy_timeout = 2000');
    const table = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (table === undefined) return { state: 'not-cartwatch' };
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    const writeProblem = tryWrite(db);
    return {
      state: 'present',
      schemaVersion: row.v ?? 0,
      knownVersion: LATEST_SCHEMA_VERSION,
      ...(writeProblem !== undefined && { writeProblem }),
    };
  } catch (error) {
    return { state: 'unreadable', problem: messageOf(error) };
  } finally {
    db.close();
  }
}

function tryWrite(db: Database.Database): string | undefined {
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec('CREATE TABLE cartwatch_doctor_probe (x)');
    } finally {
      db.exec('ROLLBACK');
    }
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

function absent(file: string): DatabaseInspection {
  // The nearest folder that exists is where the database's folder would be made.
  let folder = path.dirname(path.resolve(file));
  while (!existsSync(folder) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  try {
    if (!statSync(folder).isDirectory()) throw new Error(`${folder} is a file, not a folder`);
    accessSync(folder, constants.W_OK);
    return { state: 'absent', folderWritable: true };
  } catch (error) {
    return { state: 'absent', folderWritable: false, folderProblem: messageOf(error) };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
