import { existsSync } from 'node:fs';
import { CartwatchError } from '../../errors.js';
import { redactUrl } from '../database-target.js';
import { connect, MIGRATION_LOCK, migrate, type Tx } from '../postgres/connection.js';
import { inspectPostgres } from '../postgres/inspect.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { COPIED_TABLES, TRANSLATED_TABLES } from './copied-tables.js';
import { PostgresTarget } from './postgres-target.js';
import { SqliteSource } from './sqlite-source.js';

export interface TableCount {
  table: string;
  sqlite: number;
  postgres: number;
}

export interface MoveUpReport {
  tables: TableCount[];
  /** The Postgres detector cursor SQLite's was translated to. */
  detectorCursor: string;
}

/** A move that cannot start or could not finish; nothing was kept on Postgres. */
export class MoveUpError extends CartwatchError {
  constructor(message: string) {
    super('MOVE_UP', message);
  }
}

/**
 * Copies a SQLite database into an empty Postgres database in one transaction: all of it or, on any
 * failure (a count that differs included), none of it. Instances starting on the URL meanwhile wait
 * for it (it holds the migration lock), then find the copy.
 */
export async function moveUpToPostgres(file: string, url: string): Promise<MoveUpReport> {
  await refuseUnlessEmpty(url);
  if (existsSync(file)) await releaseAbandonedSends(file);
  const source = SqliteSource.open(file);
  if (source === undefined) throw new MoveUpError(`no SQLite database at ${file}: point CARTWATCH_DB at it`);
  const sql = connect(url, { max: 1, applicationName: 'cartwatch-migrate' });
  try {
    const tables = source.tables();
    const unknown = tables.filter((t) => !isKnown(t));
    if (unknown.length > 0)
      throw new MoveUpError(
        `${file} has tables this Cartwatch does not know how to copy: ${unknown.join(', ')}`,
      );
    await migrate(sql, source.origins().createdAt);
    return await sql.begin((tx) => copyAll(tx, source, url));
  } finally {
    source.close();
    await sql.end({ timeout: 5 });
  }
}

/**
 * Slack writes the stopped SQLite process had under way are released as its own next start would
 * release them (due again, in doubt, so a post is looked for in Slack before it is sent again):
 * on Postgres nobody would, because the leases there are per instance and none held these.
 */
async function releaseAbandonedSends(file: string): Promise<void> {
  const store = SqliteStore.open(file);
  try {
    await store.releaseAbandonedOutbox();
  } finally {
    await store.close();
  }
}

function isKnown(table: string): boolean {
  return ([...COPIED_TABLES, ...TRANSLATED_TABLES] as string[]).includes(table);
}

async function refuseUnlessEmpty(url: string): Promise<void> {
  const found = await inspectPostgres(url);
  if (found.state === 'unreachable')
    throw new MoveUpError(`cannot reach ${redactUrl(url)}: ${found.problem}`);
  if (found.state === 'empty' && found.otherTables > 0)
    throw new MoveUpError(
      `${redactUrl(url)} already has ${found.otherTables} table(s) of something else: give Cartwatch an empty database of its own (CREATE DATABASE cartwatch)`,
    );
}

async function copyAll(tx: Tx, source: SqliteSource, url: string): Promise<MoveUpReport> {
  await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
  const target = new PostgresTarget(tx);
  for (const table of COPIED_TABLES) {
    if ((await target.count(table)) > 0)
      throw new MoveUpError(
        `${redactUrl(url)} already holds Cartwatch data (table ${table} has rows): migrate copies into an empty database only. ` +
          'Drop and create it again to start the copy over, or keep running on it as it is',
      );
  }
  const tables: TableCount[] = [];
  for (const table of COPIED_TABLES) tables.push(await copyTable(source, target, table));
  await target.resetSequences();
  const detectorCursor = await target.translateDetectorCursor(source.detectorCursor());
  await target.keepOrigins(source.origins());
  const differing = tables.filter((t) => t.sqlite !== t.postgres);
  if (differing.length > 0)
    throw new MoveUpError(
      `row counts differ after copying (${differing.map((t) => `${t.table}: SQLite ${t.sqlite}, Postgres ${t.postgres}`).join('; ')}); nothing was kept`,
    );
  return { tables, detectorCursor };
}

async function copyTable(source: SqliteSource, target: PostgresTarget, table: string): Promise<TableCount> {
  const sqliteColumns = new Set(source.tables().includes(table) ? source.columns(table) : []);
  if (sqliteColumns.size === 0) return { table, sqlite: 0, postgres: await target.count(table) };
  const postgresColumns = new Set(await target.columns(table));
  const lost = [...sqliteColumns].filter((c) => !postgresColumns.has(c));
  if (lost.length > 0)
    throw new MoveUpError(
      `${table}.${lost.join(`, ${table}.`)} has no place on Postgres; nothing was copied`,
    );
  const columns = [...sqliteColumns];
  for (const rows of source.batches(table, columns, target.batchSize(columns.length)))
    await target.insert(table, columns, rows);
  return { table, sqlite: source.count(table), postgres: await target.count(table) };
}
