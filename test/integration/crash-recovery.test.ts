import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { INGEST_SECRET } from '../support/app.js';
import { startChild } from '../support/child.js';
import { anEvent } from '../support/events.js';
import { tempDir } from '../support/temp.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

/** Sends events one request at a time until told to stop, remembering which ids got a 202. */
async function sender(url: string, acked: string[], stop: { now: boolean }, lane: number): Promise<void> {
  let n = 0;
  while (!stop.now) {
    const events = [anEvent({ id: `lane${lane}_${n++}`, cart_id: `cart_${lane}_${n % 7}` })];
    if (n % 3 === 0) events.push(anEvent({ id: `lane${lane}_${n++}`, cart_id: `cart_${lane}_${n % 7}` }));
    try {
      const res = await fetch(`${url}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_SECRET}`, 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      if (res.status === 202) acked.push(...events.map((e) => e.id as string));
      await res.arrayBuffer();
    } catch {
      return; // the server died under us: whatever had no 202 is allowed to be lost
    }
  }
}

describe('crash recovery', () => {
  it('when cartwatch is killed with SIGKILL mid-stream and restarted, then every event that got a 202 is stored exactly once', async () => {
    const env = { CARTWATCH_DB: path.join(temp.dir, 'crash.db'), CARTWATCH_INGEST_SECRET: INGEST_SECRET };
    const acked: string[] = [];
    for (let round = 0; round < 3; round++) {
      const child = await startChild(env);
      const stop = { now: false };
      const lanes = [0, 1, 2, 3].map((lane) => sender(child.url, acked, stop, lane + round * 10));
      await new Promise((resolve) => setTimeout(resolve, 300 + round * 150));
      child.process.kill('SIGKILL');
      await child.exited;
      stop.now = true;
      await Promise.all(lanes);
    }
    // A last clean start proves the file opens and migrates after the kills.
    const last = await startChild(env);
    last.process.kill('SIGTERM');
    const code = await last.exited;
    expect(code, last.output()).toBe(0);

    expect(acked.length).toBeGreaterThan(50);
    const db = new Database(env.CARTWATCH_DB, { readonly: true });
    const stored = db.prepare('SELECT id, count(*) AS n FROM events GROUP BY id').all() as {
      id: string;
      n: number;
    }[];
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const counts = new Map(stored.map((row) => [row.id, row.n]));
    const missing = acked.filter((id) => counts.get(id) !== 1);
    expect(missing).toEqual([]);
  }, 60_000);
});
