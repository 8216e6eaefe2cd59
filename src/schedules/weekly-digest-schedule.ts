import { type ScheduledTask, schedule } from 'node-cron';
import type { CartwatchConfig } from '../config.js';
import { describeWeeklySchedule } from '../domain/weekly.js';
import type { Logger } from '../logger.js';
import type { WeeklyDigestService } from '../services/weekly-digest.js';

const CHECK_EVERY_MS = 60_000;

/**
 * One node-cron task per team at digest.weekly (e.g. Mondays 09:00) in the team's zone, and a
 * catch-up now and every minute for a firing missed while the bot was down or busy. As with the
 * daily digest, posting once is kept by the run recorded per team and ISO week, not by the timer.
 */
export function scheduleWeeklyDigests(
  config: CartwatchConfig,
  weekly: WeeklyDigestService,
  logger: Logger,
): () => void {
  const when = config.digest.weekly;
  if (when === undefined) return () => {};
  const [hour = '9', minute = '0'] = when.time.split(':');
  const tasks: ScheduledTask[] = Object.keys(config.teams).map((team) =>
    schedule(
      `${Number(minute)} ${Number(hour)} * * ${when.weekday}`,
      async () => {
        const outcome = await weekly.run(team).catch((error: unknown) => {
          logger.error(`weekly digest for ${team} failed:`, error);
          return 'failed';
        });
        logger.info(`weekly digest for ${team} (${describeWeeklySchedule(when)}): ${outcome}`);
      },
      { timezone: weekly.zoneOf(team), name: `weekly-digest-${team}`, noOverlap: true },
    ),
  );
  const catchUp = () => {
    weekly.catchUp().catch((error: unknown) => logger.error('weekly digest catch-up failed:', error));
  };
  catchUp();
  const check = setInterval(catchUp, CHECK_EVERY_MS).unref();
  return () => {
    clearInterval(check);
    for (const task of tasks) void task.destroy();
  };
}
