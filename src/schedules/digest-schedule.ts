import { type ScheduledTask, schedule } from 'node-cron';
import type { CartwatchConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { DigestService } from '../services/digest.js';

/**
 * One node-cron task per team at `digest.at` in that team's time zone. Posting twice is prevented
 * by the digest run recorded per team and local date, not by the scheduler, so a restart, a clock
 * change or a second instance cannot double-post.
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
  return () => {
    for (const task of tasks) void task.destroy();
  };
}
