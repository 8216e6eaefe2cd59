import { loadEnv } from '../config.js';
import { isPostgresUrl, redactUrl } from '../store/database-target.js';
import { type MoveUpReport, moveUpToPostgres } from '../store/move-up/move-up.js';
import { parseCommandArgs, UsageError } from './args.js';

/**
 * `cartwatch migrate --to postgres://…`: moving up from the SQLite file CARTWATCH_DB names to an
 * empty Postgres database. Prints each table's counts on both sides, then what to do next.
 */
export async function runMigrate(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('migrate', { args, options: { to: { type: 'string' } } });
  const url = values.to;
  if (url === undefined)
    throw new UsageError('migrate', 'missing --to, the empty Postgres database to copy into (postgres://…)');
  if (!isPostgresUrl(url))
    throw new UsageError(
      'migrate',
      `--to must be a postgres:// or postgresql:// URL, got "${redactUrl(url)}"`,
    );
  const file = loadEnv().dbPath;
  if (isPostgresUrl(file))
    throw new UsageError(
      'migrate',
      'CARTWATCH_DB is already a Postgres URL: set it to the SQLite file to copy (e.g. ./data/cartwatch.db)',
    );
  process.stderr.write(`copying ${file} into ${redactUrl(url)} in one transaction…\n`);
  const report = await moveUpToPostgres(file, url);
  process.stdout.write(said(report, file, url));
  return 0;
}

function said(report: MoveUpReport, file: string, url: string): string {
  const width = Math.max(...report.tables.map((t) => t.table.length), 'table'.length);
  const row = (a: string, b: string, c: string) =>
    `  ${a.padEnd(width)}  ${b.padStart(10)}  ${c.padStart(10)}`;
  const lines = [
    `copied ${file} into ${redactUrl(url)}; every table's rows match:`,
    row('table', 'SQLite', 'Postgres'),
    ...report.tables.map((t) => row(t.table, String(t.sqlite), String(t.postgres))),
    `  detection continues after what SQLite had detected (cursor ${report.detectorCursor}).`,
    '',
    'Next:',
    `  1. set CARTWATCH_DB=${redactUrl(url)}${redactUrl(url) === url ? '' : ' (its password unmasked)'} wherever Cartwatch runs;`,
    '  2. start Cartwatch again (several instances may now share the database, behind a load balancer);',
    `  3. keep ${file} as a backup: nothing writes to it any more.`,
  ];
  return `${lines.join('\n')}\n`;
}
