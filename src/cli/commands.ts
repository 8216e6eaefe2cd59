import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkConfigText, formatProblems, loadConfigFile, loadEnv } from '../config.js';
import { demoEvents } from '../demo/stream.js';
import { startCartwatch } from '../main.js';
import { systemClock } from '../services/clock.js';
import { DigestService } from '../services/digest.js';
import { IngestService } from '../services/ingest.js';
import { digestAsText } from '../slack/blocks/digest.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { printBanner } from './banner.js';
import { type ImportSummary, importNdjson } from './import-command.js';

export async function runStart(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { demo: { type: 'boolean' }, 'no-demo': { type: 'boolean' } },
  });
  const demo = values['no-demo'] ? false : values.demo;
  // Listen for signals before anything else, so a stop requested during start-up is not lost.
  const stopRequested = firstSignal(['SIGTERM', 'SIGINT']);
  const env = loadEnv();
  const { config, source } = loadConfigFile(env.configPath, { cwd: process.cwd() });
  const running = await startCartwatch({
    env,
    config,
    ...(demo !== undefined && { demo }),
  });
  printBanner(running, { configSource: source, dbPath: env.dbPath });
  const signal = await stopRequested;
  process.stderr.write(`cartwatch: ${signal} received, finishing in-flight requests…\n`);
  await running.stop();
  process.stderr.write('cartwatch: stopped cleanly\n');
  return 0;
}

function firstSignal(signals: NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of signals) process.once(signal, () => resolve(signal));
  });
}

export async function runCheckConfig(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
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
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'batch-size': { type: 'string', default: '1000' } },
  });
  const file = positionals[0];
  const batchSize = Number(values['batch-size']);
  if (file === undefined || !Number.isInteger(batchSize) || batchSize < 1) {
    process.stderr.write('Usage: cartwatch import FILE.ndjson [--batch-size N]\n');
    return 1;
  }
  if (!existsSync(file)) {
    process.stderr.write(`${file}: no such file\n`);
    return 1;
  }
  const store = SqliteStore.open(loadEnv().dbPath);
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
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const target = positionals[0];
  if (target === undefined) {
    process.stderr.write('Usage: cartwatch backup FILE\n');
    return 1;
  }
  const store = SqliteStore.open(loadEnv().dbPath);
  try {
    await store.backupTo(target);
  } finally {
    await store.close();
  }
  process.stdout.write(`backed up to ${target}\n`);
  return 0;
}

export async function runDigest(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { team: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  const env = loadEnv();
  const { config } = loadConfigFile(env.configPath, { cwd: process.cwd() });
  const team = values.team;
  if (team === undefined || !(team in config.teams)) {
    process.stderr.write(
      `Usage: cartwatch digest --team NAME [--dry-run]; teams: ${Object.keys(config.teams).join(', ')}\n`,
    );
    return 1;
  }
  const store = SqliteStore.open(env.dbPath);
  try {
    const digests = new DigestService({ store, clock: systemClock, config });
    if (values['dry-run']) {
      process.stdout.write(digestAsText(await digests.factsFor(team)));
      return 0;
    }
    const outcome = await digests.run(team);
    const said: Record<typeof outcome, string> = {
      posted: `digest for ${team} queued; the running Cartwatch posts it to its channel`,
      already_ran: `the digest for ${team} already ran today; nothing posted`,
      quiet_skipped: `a quiet day for ${team} and digest.skip_quiet is on; nothing posted`,
    };
    process.stdout.write(`${said[outcome]}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { events: { type: 'string', default: '200' } } });
  const wanted = Number(values.events);
  if (!Number.isInteger(wanted) || wanted < 1) {
    process.stderr.write('Usage: cartwatch demo --events N\n');
    return 1;
  }
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
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { limit: { type: 'string', default: '20' }, raw: { type: 'boolean', default: false } },
  });
  if (positionals[0] !== 'failed') {
    process.stderr.write('Usage: cartwatch webhooks failed [--limit N] [--raw]\n');
    return 1;
  }
  const store = SqliteStore.open(loadEnv().dbPath);
  try {
    const failures = await store.webhookFailures(Math.max(1, Number(values.limit) || 20));
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
