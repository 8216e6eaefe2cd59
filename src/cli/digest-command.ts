import { loadConfigFile, loadEnv } from '../config.js';
import { localDate, localParts } from '../domain/local-time.js';
import { systemClock } from '../services/clock.js';
import { type DigestDay, type DigestOutcome, DigestService } from '../services/digest.js';
import { TrendService } from '../services/trends.js';
import { WeeklyDigestService } from '../services/weekly-digest.js';
import { digestAsText } from '../slack/blocks/digest.js';
import { weeklyDigestAsText } from '../slack/blocks/weekly-digest.js';
import { parseCommandArgs, UsageError } from './args.js';
import { openCommandStore } from './open-command-store.js';
import { retryWhenUnreachable } from './retry-when-unreachable.js';

/**
 * `cartwatch digest --team NAME [--weekly] [--dry-run]`. Exits 0 when the day's digest was queued and also when
 * there is nothing to queue (it already ran, a quiet day was skipped, the day began before the
 * database): each says why. Exits 1 on a mistake in the command line.
 */
export async function runDigest(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('digest', {
    args,
    options: {
      team: { type: 'string' },
      weekly: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const env = loadEnv();
  const { config } = loadConfigFile(env.configPath, { cwd: process.cwd() });
  const teams = Object.keys(config.teams);
  const team = values.team;
  if (team === undefined) throw new UsageError('digest', `--team is required: one of ${teams.join(', ')}`);
  if (!Object.hasOwn(config.teams, team)) {
    throw new UsageError('digest', `unknown team "${team}"; teams: ${teams.join(', ')}`);
  }
  const store = await openCommandStore(env.dbPath);
  if (values.weekly) {
    try {
      const weekly = new WeeklyDigestService({
        store,
        clock: systemClock,
        config,
        trends: new TrendService({ store, clock: systemClock, config }),
      });
      // Safe to repeat, as the daily one below: a week's digest is recorded once per team.
      return await retryWhenUnreachable(() =>
        runWeekly(weekly, { team, dryRun: values['dry-run'], channel: config.teams[team]?.channel }),
      );
    } finally {
      await store.close();
    }
  }
  try {
    const digests = new DigestService({ store, clock: systemClock, config });
    if (values['dry-run']) {
      process.stdout.write(digestAsText(await digests.factsFor(team)));
      return 0;
    }
    // Safe to repeat: a digest is recorded once per team and day, so a retry after a lost commit says it ran.
    const { outcome, day } = await retryWhenUnreachable(async () => ({
      outcome: await digests.run(team),
      day: await digests.dayOf(team),
    }));
    process.stdout.write(`${said(outcome, day, config.teams[team]?.channel)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function said(outcome: DigestOutcome, day: DigestDay, channel: string | undefined): string {
  const digest = `digest for ${day.team} on ${day.localDate}`;
  const at = (ms: number) => `${clockTime(ms, day.zone)} (${day.zone})`;
  switch (outcome) {
    case 'posted':
      return `${digest} queued; the running Cartwatch posts it to ${channel}`;
    case 'quiet_skipped':
      return `${digest}: a quiet day and digest.skip_quiet is on; recorded, nothing posted`;
    case 'before_database':
      return (
        `${digest} not posted: that day began before the database was created at ` +
        `${at(day.databaseCreatedAt)}; the first digest is ${nextDate(day.localDate)}'s; nothing queued`
      );
    case 'already_ran': {
      const run = day.run;
      if (run === undefined) return `${digest} already ran; nothing queued`;
      if (run.posted === false)
        return `${digest} already ran at ${at(run.ranAt)}: a quiet day, not posted (digest.skip_quiet); nothing queued`;
      return `${digest} already ${run.posted ? 'posted' : 'ran'} at ${at(run.ranAt)}; nothing queued`;
    }
  }
}

/** `--weekly`: the weekly digest due last, printed or recorded and queued, saying why when nothing is. */
async function runWeekly(
  weekly: WeeklyDigestService,
  options: { team: string; dryRun: boolean; channel: string | undefined },
): Promise<number> {
  const { team } = options;
  const due = await weekly.dueOf(team);
  if (due === undefined) {
    process.stdout.write(`weekly digests are off (digest.weekly: false); nothing queued\n`);
    return 0;
  }
  if (options.dryRun) {
    process.stdout.write(weeklyDigestAsText(await weekly.factsFor(team, due.date, due.week)));
    return 0;
  }
  const outcome = await weekly.run(team);
  const after = (await weekly.dueOf(team)) ?? due;
  const digest = `weekly digest for ${team}, ${due.week} (due ${due.date})`;
  const at = (ms: number) => `${clockTime(ms, due.zone)} (${due.zone})`;
  const said: Record<typeof outcome, string> = {
    posted: `${digest} queued; the running Cartwatch posts it to ${options.channel}`,
    quiet_skipped: `${digest}: a quiet week and digest.skip_quiet is on; recorded, nothing posted`,
    before_database: `${digest} not posted: its week began before Cartwatch counted trends (from ${new Date(due.countingSince).toISOString()}); nothing queued`,
    already_ran:
      after.run === undefined
        ? `${digest} already ran; nothing queued`
        : `${digest} already ${after.run.posted ? 'posted' : 'ran (a quiet week, not posted)'} on ${localDate(after.run.ranAt, due.zone)} at ${at(after.run.ranAt)}; nothing queued`,
    off: 'weekly digests are off (digest.weekly: false); nothing queued',
  };
  process.stdout.write(`${said[outcome]}\n`);
  return 0;
}

function clockTime(ms: number, zone: string): string {
  const { hour, minute } = localParts(ms, zone);
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** "2026-12-02" after "2026-12-01": calendar arithmetic, free of any time zone. */
function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
