import { loadConfigFile, loadEnv } from '../config.js';
import { localParts } from '../domain/local-time.js';
import { systemClock } from '../services/clock.js';
import { type DigestDay, type DigestOutcome, DigestService } from '../services/digest.js';
import { digestAsText } from '../slack/blocks/digest.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { parseCommandArgs, UsageError } from './args.js';

/**
 * `cartwatch digest --team NAME [--dry-run]`. Exits 0 when the day's digest was queued and also when
 * there is nothing to queue (it already ran, a quiet day was skipped, the day began before the
 * database): each says why. Exits 1 on a mistake in the command line.
 */
export async function runDigest(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('digest', {
    args,
    options: { team: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  const env = loadEnv();
  const { config } = loadConfigFile(env.configPath, { cwd: process.cwd() });
  const teams = Object.keys(config.teams);
  const team = values.team;
  if (team === undefined) throw new UsageError('digest', `--team is required: one of ${teams.join(', ')}`);
  if (!Object.hasOwn(config.teams, team)) {
    throw new UsageError('digest', `unknown team "${team}"; teams: ${teams.join(', ')}`);
  }
  const store = SqliteStore.open(env.dbPath);
  try {
    const digests = new DigestService({ store, clock: systemClock, config });
    if (values['dry-run']) {
      process.stdout.write(digestAsText(await digests.factsFor(team)));
      return 0;
    }
    const outcome = await digests.run(team);
    process.stdout.write(`${said(outcome, await digests.dayOf(team), config.teams[team]?.channel)}\n`);
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

function clockTime(ms: number, zone: string): string {
  const { hour, minute } = localParts(ms, zone);
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** "2026-12-02" after "2026-12-01": calendar arithmetic, free of any time zone. */
function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
