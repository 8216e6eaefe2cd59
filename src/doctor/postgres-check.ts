import { redactUrl } from '../store/database-target.js';
import { inspectPostgres } from '../store/postgres/inspect.js';
import { type Check, fail, pass } from './check.js';

/** Postgres 13 brought what the store relies on (xid8 and pg_current_xact_id among it). */
const OLDEST_SERVER = 130_000;

/** A Postgres CARTWATCH_DB: it answers, it is recent enough, and its schema is one this code knows. */
export async function checkPostgres(url: string, options: { timeoutS?: number } = {}): Promise<Check> {
  const subject = `database ${redactUrl(url)}`;
  const found = await inspectPostgres(url, { timeoutS: options.timeoutS ?? 5 });
  if (found.state === 'unreachable')
    return fail(
      subject,
      `does not answer (${found.problem})`,
      'check the host, port, user, password and database name in CARTWATCH_DB, and that Postgres is running and reachable from here',
    );
  if (found.serverVersion < OLDEST_SERVER)
    return fail(
      subject,
      `is PostgreSQL ${versionOf(found.serverVersion)}; Cartwatch needs 13 or later`,
      'upgrade the server (or point CARTWATCH_DB at one of version 13 or later)',
    );
  if (found.state === 'empty')
    return found.otherTables > 0
      ? fail(
          subject,
          `holds ${found.otherTables} table(s) of something else`,
          'give Cartwatch an empty database of its own (CREATE DATABASE cartwatch) and point CARTWATCH_DB at it',
        )
      : pass(
          subject,
          'answers; empty: `cartwatch start` creates the schema (or `cartwatch migrate --to` copies SQLite in)',
        );
  if (found.schemaVersion > found.knownVersion)
    return fail(
      subject,
      `schema version ${found.schemaVersion} was written by a newer Cartwatch; this one knows up to ${found.knownVersion}`,
      'run the newer Cartwatch that wrote it on every instance',
    );
  const schema =
    found.schemaVersion === found.knownVersion
      ? `schema ${found.schemaVersion}`
      : `schema ${found.schemaVersion}, migrated to ${found.knownVersion} at the next start`;
  return pass(subject, `answers (PostgreSQL ${versionOf(found.serverVersion)}), ${schema}`);
}

/** 150004 → "15.4", as the server names itself. */
function versionOf(number: number): string {
  return `${Math.floor(number / 10_000)}.${number % 10_000}`;
}
