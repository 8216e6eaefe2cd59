import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { anEvent } from '../support/events.js';

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

function storedCount(): number {
  const db = new Database(app.dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('storage faults', () => {
  it('when the database is full, then ingest answers 503 with a clear error, keeps nothing of the batch, and recovers when space returns', async () => {
    const store = app.running.store as SqliteStore;
    expect((await app.postEvents(anEvent())).status).toBe(202);
    await store.setPageLimit(await store.pageCount());
    const batch = Array.from({ length: 120 }, () => anEvent({ attributes: { pad: 'x'.repeat(8000) } }));

    const full = await app.postEvents(batch);
    expect(full.status).toBe(503);
    expect(full.body.error).toContain('The database is full');
    expect(storedCount()).toBe(1);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);

    await store.setPageLimit(1_000_000_000);
    expect(await app.postEvents(batch)).toEqual({ status: 202, body: { accepted: 120, duplicates: 0 } });
    expect(storedCount()).toBe(121);
  });

  it('when a backup runs while events arrive, then every request is still accepted', async () => {
    const backup = (app.running.store as SqliteStore).backupTo(`${app.dbPath}.backup`);
    const replies = await Promise.all(Array.from({ length: 20 }, () => app.postEvents(anEvent())));
    await backup;
    expect(replies.every((r) => r.status === 202)).toBe(true);
  });
});
