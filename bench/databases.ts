import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startPostgresServer } from '../tools/postgres-server.js';

export type BenchStoreKind = 'sqlite' | 'postgres';

/** A database the bench made for one measurement, and how to throw it away. */
export interface BenchDatabase {
  /** What CARTWATCH_DB is set to: a file path or a Postgres URL. */
  target: string;
  drop(): Promise<void>;
}

/** Where the bench's databases come from: temporary SQLite files, or one local Postgres server. */
export interface BenchDatabases {
  kind: BenchStoreKind;
  fresh(): Promise<BenchDatabase>;
  stop(): Promise<void>;
}

/** `--store postgres` on the command line picks Postgres; SQLite otherwise. */
export function benchStoreKind(argv: readonly string[]): BenchStoreKind {
  const at = argv.indexOf('--store');
  const value = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--store='))?.slice('--store='.length);
  if (value === undefined || value === 'sqlite') return 'sqlite';
  if (value === 'postgres') return 'postgres';
  throw new Error(`unknown --store "${value}"; stores: sqlite, postgres`);
}

export function benchDatabases(kind: BenchStoreKind): BenchDatabases {
  return kind === 'sqlite' ? sqliteFiles() : postgresDatabases();
}

function sqliteFiles(): BenchDatabases {
  return {
    kind: 'sqlite',
    async fresh() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'cartwatch-bench-'));
      return {
        target: path.join(dir, 'bench.db'),
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
    async stop() {},
  };
}

/**
 * A durable local server (fsync on, as in production), started for the run and removed after it;
 * each measurement gets a database of its own.
 */
function postgresDatabases(): BenchDatabases {
  const server = startPostgresServer({ durable: true });
  const admin = postgres({
    host: server.socketDir,
    user: 'postgres',
    database: 'postgres',
    max: 1,
    onnotice: () => {},
  });
  return {
    kind: 'postgres',
    async fresh() {
      const name = `bench_${randomBytes(4).toString('hex')}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return {
        target: `postgres://postgres@localhost/${name}?host=${encodeURIComponent(server.socketDir)}`,
        drop: async () => {
          await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
        },
      };
    },
    async stop() {
      await admin.end();
      server.stop();
    },
  };
}
