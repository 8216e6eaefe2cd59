import type { Tx } from '../postgres/connection.js';
import type { SqliteRow } from './sqlite-source.js';

/** Postgres takes at most 65,535 parameters in one statement: a batch stays well below. */
const MAX_PARAMETERS = 60_000;

/** The Postgres side of the move, inside the one transaction that copies everything. */
export class PostgresTarget {
  constructor(private readonly tx: Tx) {}

  async columns(table: string): Promise<string[]> {
    const rows = await this.tx<{ column_name: string }[]>`
      SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ${table}
      ORDER BY ordinal_position`;
    return rows.map((row) => row.column_name);
  }

  async count(table: string): Promise<number> {
    const [row] = await this.tx<{ n: number }[]>`SELECT count(*)::int AS n FROM ${this.tx(table)}`;
    return row?.n ?? 0;
  }

  /** Rows per insert for a table of this many columns. */
  batchSize(columns: number): number {
    return Math.max(1, Math.min(5_000, Math.floor(MAX_PARAMETERS / Math.max(1, columns))));
  }

  async insert(table: string, columns: readonly string[], rows: readonly SqliteRow[]): Promise<void> {
    await this.tx`INSERT INTO ${this.tx(table)} ${this.tx(rows as SqliteRow[], ...columns)}`;
  }

  /**
   * Serial columns continue after the highest id copied (an empty table's start afresh), so the
   * next row written on Postgres never takes an id SQLite had already given.
   */
  async resetSequences(): Promise<void> {
    const serials = await this.tx<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`;
    for (const { table_name: table, column_name: column } of serials) {
      await this.tx`SELECT setval(pg_get_serial_sequence(${table}, ${column}),
        coalesce((SELECT max(${this.tx(column)}) FROM ${this.tx(table)}), 1),
        (SELECT max(${this.tx(column)}) FROM ${this.tx(table)}) IS NOT NULL)`;
    }
  }

  /**
   * The detector's place: every copied event carries this transaction's id, so "this transaction,
   * SQLite's last detected seq" puts detection right after what SQLite had already detected.
   */
  async translateDetectorCursor(sqliteSeq: number): Promise<string> {
    const [row] = await this.tx<{ xid: string }[]>`SELECT pg_current_xact_id()::text AS xid`;
    const cursor = `${row?.xid ?? '0'}:${sqliteSeq}`;
    await this.tx`INSERT INTO cursors (name, value) VALUES ('detector', ${cursor})
      ON CONFLICT (name) DO UPDATE SET value = excluded.value`;
    return cursor;
  }

  /**
   * The database began when the SQLite one did (digests skip that first day, as they would have),
   * and trends began counting when SQLite's did (weeks before that are not reported as empty).
   */
  async keepOrigins(origins: { createdAt: number; trendsSince: number }): Promise<void> {
    await this.tx`UPDATE schema_migrations SET applied_at = ${origins.createdAt} WHERE version = 1`;
    await this.tx`INSERT INTO cursors (name, value) VALUES ('trends_since', ${String(origins.trendsSince)})
      ON CONFLICT (name) DO UPDATE SET value = excluded.value`;
  }
}
