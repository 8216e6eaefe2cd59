import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openDatabase } from '../sqlite/connection.js';
import { ROLLUPS_SINCE_VERSION } from '../sqlite/migrations.js';

export type SqliteRow = Record<string, unknown>;

/**
 * The SQLite database being moved, read inside one read transaction, so every table is seen at the
 * same moment even if something wrote to the file meanwhile. Opening it brings its schema up to
 * this Cartwatch's version first, as a start would.
 */
export class SqliteSource {
  private constructor(private readonly db: Database.Database) {
    db.exec('BEGIN');
  }

  /** Undefined when there is no such file: moving nothing up is a mistake, not a new database. */
  static open(file: string): SqliteSource | undefined {
    if (!existsSync(file)) return undefined;
    return new SqliteSource(openDatabase(file));
  }

  tables(): string[] {
    return this.db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((row) => row.name);
  }

  columns(table: string): string[] {
    return this.db
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((row) => row.name);
  }

  count(table: string): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
  }

  /** The table's rows in batches of at most `size`, in its key's order. */
  *batches(table: string, columns: readonly string[], size: number): Generator<SqliteRow[]> {
    const list = columns.map((c) => `"${c}"`).join(', ');
    let batch: SqliteRow[] = [];
    for (const row of this.db.prepare(`SELECT ${list} FROM "${table}"`).iterate() as Iterable<SqliteRow>) {
      batch.push(row);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** The last event seq detection has applied (0: none). */
  detectorCursor(): number {
    const row = this.db.prepare("SELECT value FROM cursors WHERE name = 'detector'").get() as
      | { value: number }
      | undefined;
    return row?.value ?? 0;
  }

  /** When the database began, and when trends began counting (both by the clock that migrated it). */
  origins(): { createdAt: number; trendsSince: number } {
    const appliedAt = (version: number) =>
      this.db
        .prepare<[number], { at: string }>('SELECT applied_at AS at FROM schema_migrations WHERE version = ?')
        .get(version)?.at;
    const createdAt = Date.parse(appliedAt(1) ?? '');
    const since = appliedAt(ROLLUPS_SINCE_VERSION);
    return { createdAt, trendsSince: since === undefined ? createdAt : Date.parse(since) };
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}
