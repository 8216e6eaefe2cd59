// What postgres.js does with a transaction whose backend is killed while its callback still runs
// (porsager/postgres#1215, #1216, #1209). `sql.begin` rejects as soon as the connection closes, but the
// callback goes on; unguarded, what it issues next runs on the pool's replacement connection outside
// any transaction (autocommit, so it stays), or inside another caller's transaction, whose COMMIT the
// dead callback's own commit then sends early; statements queued behind a full pipeline never settle.
// scripts/patch-postgres.mjs guards the driver: every statement of that transaction is rejected with
// CONNECTION_CLOSED and the pool serves later work.
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql, type Tx, transaction } from '../../src/store/postgres/connection.js';
import { asSuperuser, freshPostgresUrl } from '../support/postgres.js';
import {
  crashRestartPostgres,
  type PostgresServer,
  startPostgresServer,
} from '../support/postgres-server.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

type Settled = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** Never rejects: what a promise came to, with the error's code when it failed. */
function settle(promise: PromiseLike<unknown>): Promise<Settled> {
  return Promise.resolve(promise).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({
      ok: false as const,
      code: String((error as { code?: unknown } | null)?.code ?? ''),
      message: String((error as { message?: unknown } | null)?.message ?? error),
    }),
  );
}

/** The promise's outcome, or 'hung' when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => {
    timer = setTimeout(() => r('hung'), ms);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function backendPid(tx: Tx): Promise<number> {
  const [row] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  if (row === undefined) throw new Error('no backend pid');
  return row.pid;
}

async function terminate(pid: number): Promise<void> {
  await asSuperuser((admin) => admin`SELECT pg_terminate_backend(${pid})`);
}

/** Waits until the pool answers again (the first query after a kill may meet the reconnect). */
async function poolAnswers(sql: Sql, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const outcome = await within(settle(sql`SELECT 1 AS one`), 5_000);
    if (outcome !== 'hung' && outcome.ok) return;
    if (Date.now() > until) throw new Error(`the pool does not answer: ${JSON.stringify(outcome)}`);
    await sleep(100);
  }
}

/** Every connection of the pool answers at once, so the one the dead transaction had is reconnected. */
async function allConnectionsAnswer(sql: Sql, max: number): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const outcomes = await within(
      Promise.all(Array.from({ length: max }, () => settle(sql`SELECT pg_sleep(0.2)`))),
      5_000,
    );
    if (outcomes !== 'hung' && outcomes.every((o) => o.ok)) return;
    if (Date.now() > until) throw new Error(`the pool does not answer: ${JSON.stringify(outcomes)}`);
    await sleep(100);
  }
}

async function rowsIn(sql: Sql): Promise<number[]> {
  const rows = await sql<{ n: number }[]>`SELECT n FROM marks ORDER BY n`;
  return rows.map((row) => row.n);
}

/** Later transactions on the pool still commit, promptly. */
async function poolStillCommits(sql: Sql, n: number): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    const outcome = await within(
      settle(transaction(sql, async (tx) => tx`INSERT INTO marks (n) VALUES (${n + i})`)),
      5_000,
    );
    expect(outcome).toMatchObject({ ok: true });
  }
}

describe('postgres.js: a transaction whose backend was killed', () => {
  const pools: Sql[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((sql) => sql.end({ timeout: 1 })));
  });

  async function pool(max: number): Promise<Sql> {
    const sql = connect(await freshPostgresUrl(), { max });
    pools.push(sql);
    await sql`CREATE TABLE marks (n INTEGER NOT NULL)`;
    return sql;
  }

  it('rejects what its callback issues after the pool reconnected, instead of running it in autocommit', async () => {
    const sql = await pool(1);
    const pid = deferred<number>();
    const gate = deferred();
    const late = deferred<Settled>();
    const begun = settle(
      sql.begin(async (tx) => {
        const backend = await backendPid(tx);
        await tx`INSERT INTO marks (n) VALUES (1)`;
        pid.resolve(backend);
        await gate.promise; // something slow, outside the database
        late.resolve(await settle(tx`INSERT INTO marks (n) VALUES (2)`));
      }),
    );
    await terminate(await pid.promise);
    expect(await within(begun, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });

    await poolAnswers(sql); // the pool's one connection is a new backend now
    gate.resolve();
    expect(await within(late.promise, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
    expect(await rowsIn(sql)).toEqual([]);
    await poolStillCommits(sql, 10);
  });

  it('rejects what its callback issues after idle_in_transaction_session_timeout ended it', async () => {
    const sql = await pool(1);
    const gate = deferred();
    const late = deferred<Settled>();
    const begun = settle(
      sql.begin(async (tx) => {
        await tx`SET LOCAL idle_in_transaction_session_timeout = '300ms'`;
        await tx`INSERT INTO marks (n) VALUES (1)`;
        await gate.promise; // idle in the transaction for longer than allowed
        late.resolve(await settle(tx`INSERT INTO marks (n) VALUES (2)`));
      }),
    );
    expect(await within(begun, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
    await poolAnswers(sql);
    gate.resolve();
    expect(await within(late.promise, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
    expect(await rowsIn(sql)).toEqual([]);
    await poolStillCommits(sql, 10);
  });

  it("does not let the dead callback's statements and COMMIT into the next transaction on that connection", async () => {
    const sql = await pool(1);
    const pid = deferred<number>();
    const gate = deferred();
    const late = deferred<Settled>();
    const dead = settle(
      sql.begin(async (tx) => {
        const backend = await backendPid(tx);
        pid.resolve(backend);
        await gate.promise;
        late.resolve(await settle(tx`INSERT INTO marks (n) VALUES (1)`));
        // returning makes begin() send its COMMIT
      }),
    );
    await terminate(await pid.promise);
    expect(await within(dead, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
    await poolAnswers(sql);

    // The next transaction takes the same (reconnected) connection, and fails on purpose.
    const inside = deferred();
    const carryOn = deferred();
    const next = settle(
      sql.begin(async (tx) => {
        await tx`INSERT INTO marks (n) VALUES (2)`;
        inside.resolve();
        await carryOn.promise;
        await tx`INSERT INTO marks (n) VALUES (3)`;
        throw new Error('this transaction rolls back');
      }),
    );
    await inside.promise;
    gate.resolve();
    expect(await within(late.promise, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
    await sleep(100); // time for the dead callback's COMMIT to go out
    carryOn.resolve();
    expect(await within(next, 5_000)).toMatchObject({ ok: false, message: 'this transaction rolls back' });
    expect(await rowsIn(sql)).toEqual([]);
    await poolStillCommits(sql, 10);
  });

  it('rejects every pipelined statement in flight or queued when the backend dies, none stays', async () => {
    const sql = await pool(2);
    const pid = deferred<number>();
    const outcomes = deferred<Settled[]>();
    const begun = settle(
      sql.begin(async (tx) => {
        const backend = await backendPid(tx);
        // More than the pipeline holds (100): the rest wait in the transaction's own queue.
        const statements = [tx`SELECT pg_sleep(5)`.execute()];
        for (let n = 1; n <= 150; n += 1) statements.push(tx`INSERT INTO marks (n) VALUES (${n})`.execute());
        pid.resolve(backend);
        outcomes.resolve(await Promise.all(statements.map(settle)));
      }),
    );
    await sleep(300); // pg_sleep is running, the inserts are sent or queued behind it
    await terminate(await pid.promise);
    expect(await within(begun, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
    const settled = await within(outcomes.promise, 5_000);
    expect(settled).not.toBe('hung');
    if (settled === 'hung') return;
    expect(settled.filter((s) => s.ok)).toEqual([]);
    expect(new Set(settled.map((s) => (s.ok ? 'ok' : s.code)))).toEqual(new Set(['CONNECTION_CLOSED']));
    await poolAnswers(sql);
    expect(await rowsIn(sql)).toEqual([]);
    await poolStillCommits(sql, 1000);
  });

  it("the first query on the reconnected connection does not get the killed backend's error", async () => {
    const sql = await pool(1);
    const pid = deferred<number>();
    const begun = settle(
      sql.begin(async (tx) => {
        const backend = await backendPid(tx);
        pid.resolve(backend);
        await tx`SELECT pg_sleep(5)`; // running when the backend is killed
      }),
    );
    await sleep(200);
    await terminate(await pid.promise);
    expect(await within(begun, 5_000)).toMatchObject({ ok: false });
    expect(await within(settle(sql`SELECT 1 AS one`), 5_000)).toMatchObject({
      ok: true,
      value: [{ one: 1 }],
    });
    await poolStillCommits(sql, 10);
  });

  it('over TCP, a connection reset (ECONNRESET) in a transaction: late statements rejected, the pool keeps answering', async () => {
    const url = new URL(await freshPostgresUrl());
    const socketPath = path.join(url.searchParams.get('host') ?? '', '.s.PGSQL.5432');
    const clients = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(socketPath);
      clients.add(client);
      client.on('close', () => {
        clients.delete(client);
        upstream.destroy();
      });
      upstream.on('close', () => client.destroy());
      client.on('error', () => {});
      upstream.on('error', () => {});
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as net.AddressInfo).port;
    const sql = connect(`postgres://postgres@127.0.0.1:${port}${url.pathname}`, { max: 1 });
    pools.push(sql);
    try {
      await sql`CREATE TABLE marks (n INTEGER NOT NULL)`;
      const open = deferred();
      const gate = deferred();
      const late = deferred<Settled>();
      const begun = settle(
        sql.begin(async (tx) => {
          await tx`INSERT INTO marks (n) VALUES (1)`;
          open.resolve();
          await tx`SELECT pg_sleep(0.3)`.catch(() => {}); // the reset cuts this one
          await gate.promise;
          late.resolve(await settle(tx`INSERT INTO marks (n) VALUES (2)`));
        }),
      );
      await open.promise;
      await sleep(100);
      for (const client of clients) client.resetAndDestroy();
      expect(await within(begun, 5_000)).toMatchObject({ ok: false });
      for (let i = 0; i < 5; i += 1) await poolAnswers(sql);
      gate.resolve();
      expect(await within(late.promise, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
      for (let i = 0; i < 5; i += 1)
        expect(await within(settle(sql`SELECT ${i}::int AS i`), 5_000)).toMatchObject({
          ok: true,
          value: [{ i }],
        });
      expect(await rowsIn(sql)).toEqual([]);
      await poolStillCommits(sql, 10);
    } finally {
      await sql.end({ timeout: 1 });
      proxy.close();
      for (const client of clients) client.destroy();
    }
  });

  it("through Cartwatch's transaction(): not retried, late .execute() statements rejected, nothing stays", async () => {
    const sql = await pool(2);
    const pid = deferred<number>();
    const gate = deferred();
    const late = deferred<Settled[]>();
    const keepBusy = sql`SELECT pg_sleep(0.5)`.execute(); // the other connection is busy
    const attempts: number[] = [];
    const done = settle(
      transaction(sql, async (tx) => {
        const backend = await backendPid(tx);
        attempts.push(backend);
        await tx`INSERT INTO marks (n) VALUES (1)`;
        pid.resolve(backend);
        await gate.promise;
        const queued = [
          tx`INSERT INTO marks (n) VALUES (2)`.execute(),
          tx`INSERT INTO marks (n) VALUES (3)`.execute(),
          tx`UPDATE marks SET n = n + 100`.execute(),
        ];
        late.resolve(await Promise.all(queued.map(settle)));
      }),
    );
    await terminate(await pid.promise);
    expect(await within(done, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
    expect(attempts).toHaveLength(1);
    await keepBusy;
    await allConnectionsAnswer(sql, 2);
    gate.resolve();
    const settled = await within(late.promise, 5_000);
    expect(settled).not.toBe('hung');
    if (settled !== 'hung')
      expect(settled.map((s) => (s.ok ? 'ok' : s.code))).toEqual(Array(3).fill('CONNECTION_CLOSED'));
    expect(await rowsIn(sql)).toEqual([]);
    await poolStillCommits(sql, 10);
  });

  it('the process outlives a kill while statements are being written (no uncaught error)', async () => {
    const sql = await pool(1);
    const pid = deferred<number>();
    const begun = settle(
      sql.begin(async (tx) => {
        const backend = await backendPid(tx);
        pid.resolve(backend);
        for (let round = 0; round < 50; round += 1) {
          // not awaited on purpose: the driver must reject them, never throw from a timer
          for (let n = 0; n < 20; n += 1)
            void tx`INSERT INTO marks (n) VALUES (${n})`.execute().catch(() => {});
          await sleep(5);
        }
      }),
    );
    await terminate(await pid.promise);
    expect(await within(begun, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
    await poolAnswers(sql); // reconnects while the callback keeps writing
    await sleep(400);
    await poolAnswers(sql);
    expect(await rowsIn(sql)).toEqual([]);
    await poolStillCommits(sql, 100);
  });
});

describe('postgres.js: a transaction open while the server crash-restarts (a cluster of its own)', () => {
  let server: PostgresServer | undefined;
  beforeAll(() => {
    server = startPostgresServer();
  }, 120_000);
  afterAll(() => server?.stop());

  it('rejects what the callback issues after the restart, and the pool serves later transactions', async () => {
    if (server === undefined) throw new Error('the cluster did not start');
    const dir = server.socketDir;
    const admin = postgres({ host: dir, user: 'postgres', database: 'postgres', max: 1, onnotice: () => {} });
    await admin.unsafe('CREATE DATABASE restart_guard');
    await admin.end();
    const sql = connect(`postgres://postgres@localhost/restart_guard?host=${encodeURIComponent(dir)}`, {
      max: 2,
    });
    try {
      await sql`CREATE TABLE marks (n INTEGER NOT NULL)`;
      const open = deferred();
      const gate = deferred();
      const late = deferred<Settled>();
      const begun = settle(
        transaction(sql, async (tx) => {
          await tx`INSERT INTO marks (n) VALUES (1)`;
          open.resolve();
          await gate.promise;
          late.resolve(await settle(tx`INSERT INTO marks (n) VALUES (2)`));
        }),
      );
      await open.promise;
      crashRestartPostgres(dir);
      expect(await within(begun, 10_000)).toMatchObject({ ok: false });
      await allConnectionsAnswer(sql, 2);
      gate.resolve();
      expect(await within(late.promise, 5_000)).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
      expect(await rowsIn(sql)).toEqual([]);
      await poolStillCommits(sql, 10);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 90_000);
});
