import { loadConfigFile, loadEnv } from '../config.js';
import { systemClock } from '../services/clock.js';
import { MAX_TREND_DAYS, TrendService } from '../services/trends.js';
import { parseCommandArgs, UsageError, wholeNumber } from './args.js';
import { openCommandStore } from './open-command-store.js';
import { type ReportFormat, reportCsv, reportMarkdown } from './report-format.js';

const FORMATS: readonly ReportFormat[] = ['md', 'csv'];

/**
 * `cartwatch report --days N [--format md|csv] [--team NAME]`: the trend figures of the last N days
 * (today so far included) against the N before, for pasting into a weekly review.
 */
export async function runReport(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('report', {
    args,
    options: {
      days: { type: 'string', default: '7' },
      format: { type: 'string', default: 'md' },
      team: { type: 'string' },
    },
  });
  const days = wholeNumber('report', '--days', values.days);
  if (days > MAX_TREND_DAYS)
    throw new UsageError('report', `--days must be at most ${MAX_TREND_DAYS}, got "${values.days}"`);
  const format = FORMATS.find((f) => f === values.format);
  if (format === undefined)
    throw new UsageError('report', `unknown --format "${values.format}"; use one of ${FORMATS.join(', ')}`);
  const env = loadEnv();
  const { config } = loadConfigFile(env.configPath, { cwd: process.cwd() });
  const team = values.team;
  if (team !== undefined && !Object.hasOwn(config.teams, team))
    throw new UsageError('report', `unknown team "${team}"; teams: ${Object.keys(config.teams).join(', ')}`);
  const store = await openCommandStore(env.dbPath);
  try {
    const trends = new TrendService({ store, clock: systemClock, config });
    const facts = await trends.lastDays(days, team === undefined ? {} : { team });
    process.stdout.write(format === 'csv' ? reportCsv(facts) : reportMarkdown(facts));
    return 0;
  } finally {
    await store.close();
  }
}
