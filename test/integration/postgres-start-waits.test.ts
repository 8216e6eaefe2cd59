import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/open-store.js';
import { startTestApp } from '../support/app.js';
import { anEvent } from '../support/events.js';
import { freshPostgresUrl, TEST_PG_SOCKET_ENV } from '../support/postgres.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A socket directory where no server listens yet, and a way to bring "the server" up there later: a
 * Unix-socket relay to the test server, so a Postgres that is down and then starts is seen exactly as
 * a client sees it (no socket file: refused; then connections that work).
 */
function serverNotYetUp(database: string): { url: string; comeUp: () => Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cartwatch-pg-later-'));
  const real = path.join(process.env[TEST_PG_SOCKET_ENV] ?? '', '.s.PGSQL.5432');
  const relay = net.createServer((client) => {
    const upstream = net.connect(real);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  cleanups.push(async () => {
    await new Promise((resolve) => relay.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    url: `postgres://postgres@localhost/${database}?host=${encodeURIComponent(dir)}`,
    comeUp: () => new Promise((resolve) => relay.listen(path.join(dir, '.s.PGSQL.5432'), resolve)),
  };
}

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

describe('starting while Postgres is down', () => {
  it('when Postgres comes up within the wait, then the store opens, having said each time why it waits', async () => {
    const later = serverNotYetUp(databaseOf(await freshPostgresUrl()));
    const waits: string[] = [];
    const opening = openStore(later.url, NO_DUE_POLICY, {
      waitMs: 30_000,
      onWaiting: (problem) => waits.push(problem),
    });
    setTimeout(() => void later.comeUp(), 700);
    const store = await opening;
    cleanups.push(() => store.close());
    expect(await store.health()).toMatchObject({ ok: true });
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toMatch(/ENOENT|ECONNREFUSED/);
  });

  it('when Postgres stays down past the wait, then opening fails with what to check', async () => {
    const later = serverNotYetUp('never_up');
    const began = Date.now();
    await expect(openStore(later.url, NO_DUE_POLICY, { waitMs: 600 })).rejects.toThrow(
      /cannot open the Postgres database .*never_up.*cartwatch doctor/s,
    );
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('when the database does not exist, then opening fails at once instead of waiting', async () => {
    const later = serverNotYetUp('no_such_database');
    await later.comeUp();
    const waits: string[] = [];
    const began = Date.now();
    await expect(
      openStore(later.url, NO_DUE_POLICY, { waitMs: 60_000, onWaiting: (problem) => waits.push(problem) }),
    ).rejects.toThrow(/no_such_database/);
    expect(waits).toEqual([]);
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it('when Cartwatch starts before Postgres, then it logs that it waits, and takes events once the server is up', async () => {
    const later = serverNotYetUp(databaseOf(await freshPostgresUrl()));
    const lines: string[] = [];
    const sink = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    const starting = startTestApp({ dbPath: later.url, logger: createLogger('warn', { sink }) });
    setTimeout(() => void later.comeUp(), 700);
    const app = await starting;
    cleanups.push(() => app.stop());
    expect(lines.join('')).toMatch(/the database cannot be reached yet .*trying again in \d+ ms/);
    const posted = await app.postEvents(anEvent({ cart_id: 'cart_after_wait' }));
    expect(posted).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
  });
});
