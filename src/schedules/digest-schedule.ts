import { type ScheduledTask, schedule } from 'node-cron';
import type { CartwatchConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { DigestService } from '../services/digest.js';

const CHECK_EVERY_MS = 60_000;

/**
 * One node-cron task per team at `digest.at` in that team's time zone, and a catch-up now and every
 * minute: a digest missed while the bot was down is posted at start if it is still the same local
 * day, and node-cron drops a firing it could not run on time (a busy event loop at 09:00, a
 * sleeping laptop). Posting twice is prevented by the digest run recorded per team and local date,
 * not by the scheduler, so a restart, a clock change or a second instance cannot double-post.
 */
export function scheduleDigests(config: CartwatchConfig, digests: DigestService, logger: Logger): () => void {
  const [hour = '9', minute = '0'] = config.digest.at.split(':');
  const tasks: ScheduledTask[] = Object.keys(config.teams).map((team) =>
    schedule(
      `${Number(minute)} ${Number(hour)} * * *`,
      async () => {
        const outcome = await digests.run(team).catch((error: unknown) => {
          logger.error(`digest for ${team} failed:`, error);
          return 'failed';
        });
        logger.info(`digest for ${team}: ${outcome}`);
      },
      { timezone: digests.zoneOf(team), name: `digest-${team}`, noOverlap: true },
    ),
  );
  const catchUp = () => {
    digests.catchUp().catch((error: unknown) => logger.error('digest catch-up failed:', error));
  };
  catchUp();
  const check = setInterval(catchUp, CHECK_EVERY_MS).unref();
  return () => {
    clearInterval(check);
    for (const task of tasks) void task.destroy();
  };
}
