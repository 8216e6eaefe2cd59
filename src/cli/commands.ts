import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { checkConfigText, formatProblems, loadConfigFile, loadEnv } from '../config.js';
import { demoEvents } from '../demo/stream.js';
import { CartwatchError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { systemClock } from '../services/clock.js';
import { IngestService } from '../services/ingest.js';
import { isPostgresUrl, redactUrl } from '../store/database-target.js';
import { parseCommandArgs, UsageError, wholeNumber } from './args.js';
import { logBanner, printBanner } from './banner.js';
import { type ImportSummary, importNdjson } from './import-command.js';
import { openCommandStore } from './open-command-store.js';

export { runDigest } from './digest-command.js';

export async function runStart(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('start', {
    args,
    options: { demo: { type: 'boolean' }, 'no-demo': { type: 'boolean' } },
  });
  const demo = values['no-demo'] ? false : values.demo;
  keepHeapSnug();
  // Listen for signals before anything else, so a stop requested during start-up is not lost.
  const stopRequested = firstSignal(['SIGTERM', 'SIGINT']);
  const env = loadEnv();
  const { config, source } = loadConfigFile(env.configPath, { cwd: process.cwd() });
  const json = env.logFormat === 'json';
  const logger = createLogger(env.logLevel, { format: env.logFormat ?? 'text' });
  // Loaded here, not above: the server's modules (Bolt among them) take a second that every other
  // command, and every usage mistake, would otherwise wait for.
  const { startCartwatch } = await import('../main.js');
  const running = await startCartwatch({
    env,
    config,
    logger,
    startupChecks: true,
    ...(demo !== undefined && { demo }),
  });
  const banner = { configSource: source, dbPath: env.dbPath };
  // The banner shows whatever LOG_LEVEL says; as JSON lines when the logs are.
  if (json) logBanner(running, banner, createLogger('info', { format: 'json' }));
  else printBanner(running, banner);
  const signal = await stopRequested;
  say(json, logger, `${signal} received, finishing in-flight requests…`);
  await running.stop();
  say(json, logger, 'stopped cleanly');
  return 0;
}

function say(json: boolean, logger: Logger, text: string): void {
  if (json) logger.warn(text);
  else process.stderr.write(`cartwatch: ${text}\n`);
}

function firstSignal(signals: NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of signals) process.once(signal, () => resolve(signal));
  });
}

export async function runCheckConfig(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs('check-config', { args, options: {} }, ['[FILE]']);
  const file = positionals[0] ?? loadEnv().configPath ?? 'cartwatch.yml';
  if (!existsSync(file)) {
    process.stderr.write(
      `${file}: no such file. Copy cartwatch.example.yml to cartwatch.yml to start one.\n`,
    );
    return 1;
  }
  const result = checkConfigText(readFileSync(file, 'utf8'));
  if (!result.ok) {
    process.stderr.write(
      `${file}: ${result.problems.length} problem(s)\n${formatProblems(result.problems)}\n`,
    );
    return 1;
  }
  const { teams, routes } = result.config;
  process.stdout.write(`${file}: valid (${Object.keys(teams).length} teams, ${routes.length} routes)\n`);
  return 0;
}

export async function runImport(args: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'import',
    { args, options: { 'batch-size': { type: 'string', default: '1000' } } },
    ['FILE.ndjson'],
  );
  const file = positionals[0];
  if (file === undefined) throw new UsageError('import', 'missing FILE.ndjson, the events to import');
  const batchSize = wholeNumber('import', '--batch-size', values['batch-size']);
  if (!existsSync(file) || !statSync(file).isFile())
    throw new UsageError('import', `no such file "${file}": give an NDJSON file, one event per line`);
  const store = await openCommandStore(loadEnv().dbPath);
  try {
    const ingest = new IngestService({ store, clock: systemClock });
    const progress = process.stderr.isTTY ? showProgress : undefined;
    const summary = await importNdjson(file, {
      ingest,
      batchSize,
      ...(progress && { onProgress: progress }),
    });
    if (progress) process.stderr.write('\n');
    printImportSummary(path.basename(file), summary);
    return summary.invalid.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

function showProgress(summary: ImportSummary): void {
  process.stderr.write(
    `\r${summary.lines} lines read, ${summary.accepted} accepted, ${summary.duplicates} duplicates, ` +
      `${summary.invalid.length} invalid`,
  );
}

function printImportSummary(name: string, summary: ImportSummary): void {
  const { accepted, duplicates, invalid, skippedBatches } = summary;
  process.stdout.write(
    `${name}: ${accepted} accepted, ${duplicates} duplicates, ${invalid.length} invalid\n`,
  );
  for (const problem of invalid) {
    process.stdout.write(
      `  line ${problem.line}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}\n`,
    );
  }
  for (const batch of skippedBatches) {
    process.stdout.write(
      `  lines ${batch.firstLine}-${batch.lastLine} not stored: their batch has invalid lines. ` +
        'Fix them and import again; events already stored count as duplicates.\n',
    );
  }
}

export async function runBackup(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs('backup', { args, options: {} }, ['FILE']);
  const target = positionals[0];
  if (target === undefined) throw new UsageError('backup', 'missing FILE, where to write the copy');
  const { dbPath } = loadEnv();
  if (isPostgresUrl(dbPath))
    throw new CartwatchError(
      'BACKUP_POSTGRES',
      `CARTWATCH_DB is a Postgres database (${redactUrl(dbPath)}): back it up with Postgres's own tools, ` +
        'e.g. `pg_dump --format=custom --file=cartwatch.dump "$CARTWATCH_DB"` (restore with pg_restore), ' +
        'or continuous archiving; cartwatch backup copies SQLite files only',
    );
  const folder = path.dirname(path.resolve(target));
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(
      'backup',
      `no folder "${path.dirname(target)}" for the copy: create it or pick another path`,
    );
  const store = await openCommandStore(dbPath);
  try {
    await store.backupTo(target);
  } finally {
    await store.close();
  }
  process.stdout.write(`backed up to ${target}\n`);
  return 0;
}

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('demo', {
    args,
    options: { events: { type: 'string', default: '200' } },
  });
  const wanted = wholeNumber('demo', '--events', values.events);
  const now = Date.now();
  const lines: string[] = [];
  // Each batch of carts gets its own run stamp, so ids stay unique however many are asked for.
  for (let run = 0; lines.length < wanted; run++) {
    for (const event of demoEvents({ now, carts: 50, run: `${now}${run}` })) {
      if (lines.length === wanted) break;
      lines.push(JSON.stringify(event));
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function runWebhooks(args: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'webhooks',
    { args, options: { limit: { type: 'string', default: '20' }, raw: { type: 'boolean', default: false } } },
    ['failed'],
  );
  const subcommand = positionals[0];
  if (subcommand !== 'failed') {
    const problem = subcommand === undefined ? 'missing what to list' : `unknown subcommand "${subcommand}"`;
    throw new UsageError('webhooks', `${problem}; the one there is: failed`);
  }
  const limit = wholeNumber('webhooks', '--limit', values.limit);
  const store = await openCommandStore(loadEnv().dbPath);
  try {
    const failures = await store.webhookFailures(limit);
    if (failures.length === 0) process.stdout.write('No webhook bodies have been refused.\n');
    for (const f of failures) {
      process.stdout.write(
        `#${f.id} ${new Date(f.receivedAt).toISOString()} ${f.platform} ${f.topic}: ${f.reason}\n`,
      );
      if (values.raw) process.stdout.write(`${f.raw}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * V8 lets the heap grow up to four times what survived the last full collection before the next
 * one. Under batched ingest the dead are thousands of parsed events a second, so the process sat at
 * 270 MB; growing by half instead kept the batch phase's peak near 170 MB with no measurable cost
 * in throughput or CPU (README "Performance"). Read by V8 at every collection, so setting it here,
 * before the server loads, covers the whole run.
 */
function keepHeapSnug(): void {
  v8.setFlagsFromString('--heap-growing-percent=50');
}
