import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { anEvent, newEvents } from '../support/events.js';
import { tempDir } from '../support/temp.js';

let temp: ReturnType<typeof tempDir>;
let file: string;
let store: SqliteStore;

beforeEach(() => {
  received = 0;
  temp = tempDir();
  file = path.join(temp.dir, 'db.sqlite');
  store = SqliteStore.open(file);
});
afterEach(async () => {
  await store.close();
  temp.cleanup();
});

let received = 0;
const record = (...wire: Record<string, unknown>[]) =>
  store.recordEvents(newEvents(...wire), { receivedAt: ++received });

describe('SqliteStore schema and backups', () => {
  it('when the file was written by a newer schema, then opening it refuses with a clear error', async () => {
    await store.close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations VALUES (?, 'future', 'now')").run(LATEST_SCHEMA_VERSION + 1);
    db.close();
    expect(() => SqliteStore.open(file)).toThrow(/schema version .* knows only up to/);
    store = SqliteStore.open(path.join(temp.dir, 'other.sqlite'));
  });

  it('when opened, then the database uses WAL and full synchronous commits and records its migrations', async () => {
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // Every migration, in order, with none skipped.
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual(
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
    );
    db.close();
  });

  it('when backed up while open, then the copy holds the same events', async () => {
    await record(anEvent({ id: 'kept' }));
    const copy = path.join(temp.dir, 'backup.sqlite');
    await store.backupTo(copy);
    const db = new Database(copy, { readonly: true });
    expect(db.prepare('SELECT id FROM events').all()).toEqual([{ id: 'kept' }]);
    db.close();
  });
});
