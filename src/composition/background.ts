import type { CartwatchConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { scheduleDigests } from '../schedules/digest-schedule.js';
import { scheduleRetention } from '../schedules/retention-schedule.js';
import { scheduleWeeklyDigests } from '../schedules/weekly-digest-schedule.js';
import type { Store } from '../store/store.js';
import type { Services } from './services.js';
import type { SlackSide } from './slack-side.js';

export interface Background {
  /** Stops it all, the outbox last: a send under way finishes. */
  stop(): Promise<void>;
}

/**
 * What runs on its own once started: detection following the log, the due-time sweep, the digests'
 * and retention's schedules, the outbox, and the wake-ups other instances' commits send.
 */
export function startBackground(parts: {
  services: Pick<Services, 'detector' | 'sweeper' | 'digests' | 'weeklyDigests' | 'retention'>;
  store: Store;
  slack: SlackSide;
  config: CartwatchConfig;
  logger: Logger;
  detectorPollMs?: number | undefined;
}): Background {
  const { services, store, slack, config, logger } = parts;
  const { detector, sweeper } = services;
  detector.start(parts.detectorPollMs);
  sweeper.start();
  const stopDigests = scheduleDigests(config, services.digests, logger);
  const stopWeeklyDigests = scheduleWeeklyDigests(config, services.weeklyDigests, logger);
  slack.startOutbox();
  // Other instances' commits wake this one at once; polling above stays the fallback.
  const wakeUps = [
    store.subscribe('events', () => detector.wake()),
    store.subscribe('outbox', slack.sendNow),
  ];
  const stopRetention = scheduleRetention(services.retention, logger);
  return {
    async stop() {
      stopRetention();
      for (const stopListening of wakeUps) stopListening();
      stopDigests();
      stopWeeklyDigests();
      await sweeper.stop();
      await detector.stop();
      await slack.stopOutbox();
    },
  };
}
