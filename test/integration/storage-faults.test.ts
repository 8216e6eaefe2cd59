import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { INGEST_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { anEvent, newEvents } from '../support/events.js';
import { tempDir } from '../support/temp.js';

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

  it('when another reader holds a long read transaction, then ingest goes on and every request is accepted', async () => {
    const reader = new Database(app.dbPath, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM events').get();
    const replies = await Promise.all(Array.from({ length: 20 }, () => app.postEvents(anEvent())));
    reader.exec('COMMIT');
    reader.close();
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(storedCount()).toBe(20);
  });

  it('when another process holds the write lock for a moment, then ingest waits for it rather than failing', async () => {
    const other = new Database(app.dbPath);
    other.exec('BEGIN IMMEDIATE');
    let answered = false;
    const pending = Promise.all(Array.from({ length: 5 }, () => app.postEvents(anEvent()))).finally(() => {
      answered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Nothing is answered while the lock is held: a 202 means committed.
    expect(answered).toBe(false);
    // The waiting writes do not hold up the server: a read is answered while they wait.
    expect((await app.getCart('cart_nobody_knows')).status).toBe(404);
    expect(answered).toBe(false);
    other.exec('COMMIT');
    other.close();
    const replies = await pending;
    expect(replies.map((r) => r.status)).toEqual(Array(5).fill(202));
    expect(storedCount()).toBe(5);
  });

  it('when another process holds the write lock longer than a write waits, then ingest answers 503 with Retry-After, stores nothing, and takes the retry', async () => {
    await app.stop();
    app = await startTestApp({ tuning: { storeLockWaitMs: 300 } });
    const other = new Database(app.dbPath);
    other.exec('BEGIN IMMEDIATE');
    const refused = await fetch(`${app.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify([anEvent(), anEvent()]),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /write lock.*nothing was stored; retry later/,
    );
    other.exec('COMMIT');
    other.close();
    expect(storedCount()).toBe(0);
    const retried = await app.postEvents(anEvent());
    expect(retried.status).toBe(202);
    expect(storedCount()).toBe(1);
  });

  it('when writes wait for another process and the lock is freed, then they go through in the order asked, before a write asked after', async () => {
    const temp = tempDir();
    const store = SqliteStore.open(path.join(temp.dir, 'order.db'));
    const failure = (topic: string) => ({
      platform: 'stripe' as const,
      topic,
      reason: 'r',
      raw: '{}',
      receivedAt: 1,
    });
    const other = new Database(path.join(temp.dir, 'order.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      const waiting = [
        store.recordWebhookFailure(failure('first')),
        store.recordWebhookFailure(failure('second')),
      ];
      await new Promise((resolve) => setTimeout(resolve, 50));
      other.exec('COMMIT');
      // The lock is free now, but the two asked before still wait for their next try.
      const after = store.recordWebhookFailure(failure('third'));
      await Promise.all([...waiting, after]);
      const stored = await store.webhookFailures(10);
      expect(stored.sort((a, b) => a.id - b.id).map((f) => f.topic)).toEqual(['first', 'second', 'third']);
    } finally {
      other.close();
      await store.close();
      temp.cleanup();
    }
  });

  it('when the store closes while a backup runs, then the backup finishes whole first', async () => {
    const temp = tempDir();
    const store = SqliteStore.open(path.join(temp.dir, 'live.db'));
    try {
      for (let i = 0; i < 20; i++) {
        const wire = Array.from({ length: 100 }, () => anEvent({ attributes: { filler: 'x'.repeat(2000) } }));
        await store.recordEvents(newEvents(...wire), { receivedAt: 1 });
      }
      const backup = store.backupTo(path.join(temp.dir, 'copy.db'));
      await store.close();
      await backup;
      const copy = new Database(path.join(temp.dir, 'copy.db'), { readonly: true });
      expect((copy.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(2000);
      copy.close();
    } finally {
      temp.cleanup();
    }
  });
});
