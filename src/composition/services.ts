import type { CartwatchConfig } from '../config.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../logger.js';
import { CartStatusService } from '../services/cart-status.js';
import type { Clock } from '../services/clock.js';
import { Detector } from '../services/detector.js';
import { DigestService } from '../services/digest.js';
import { ExceptionActions } from '../services/exception-actions.js';
import { IngestService } from '../services/ingest.js';
import { RetentionService } from '../services/retention.js';
import { SilenceService } from '../services/silences.js';
import { SnoozeService } from '../services/snooze.js';
import { Sweeper } from '../services/sweeper.js';
import { TeamMembers } from '../services/team-members.js';
import { TrendService } from '../services/trends.js';
import { WeeklyDigestService } from '../services/weekly-digest.js';
import type { Store } from '../store/store.js';

export interface ServiceParts {
  store: Store;
  clock: Clock;
  config: CartwatchConfig;
  logger: Logger;
  metrics: Metrics;
  /** Wakes the outbox after a change was committed (nothing while Slack is not connected). */
  sendNow: () => void;
  /** A Slack user group's members, once Slack is connected. */
  userGroupMembers: (group: string) => Promise<string[]>;
}

export type Services = ReturnType<typeof buildServices>;

/** Every use case, over one store and clock; Slack and HTTP call these and nothing below them. */
export function buildServices(parts: ServiceParts) {
  const { store, clock, config, logger, metrics, sendNow, userGroupMembers } = parts;
  const detector = new Detector({ store, clock, config, logger, onChanges: sendNow, observer: metrics });
  const sweeper = new Sweeper({ store, clock, config, logger, onChanges: sendNow, observer: metrics });
  const trends = new TrendService({ store, clock, config });
  const members = new TeamMembers({ config, userGroupMembers });
  return {
    detector,
    sweeper,
    trends,
    ingest: new IngestService({ store, clock, onRecorded: () => detector.wake() }),
    status: new CartStatusService({ store, clock, config }),
    actions: new ExceptionActions({
      store,
      clock,
      config,
      onChanges: sendNow,
      observer: metrics,
      userGroupMembers,
    }),
    retention: new RetentionService({ store, clock, retentionDays: config.retentionDays }),
    digests: new DigestService({ store, clock, config, onChanges: sendNow, observer: metrics }),
    weeklyDigests: new WeeklyDigestService({ store, clock, config, trends, onChanges: sendNow }),
    // An early end is told at once (in the running bot); a silence ended from the shell, within a sweep.
    silences: new SilenceService({
      store,
      clock,
      config,
      members,
      onChanges: sendNow,
      settleNow: async () => {
        await sweeper.settleNoise();
      },
    }),
    snoozes: new SnoozeService({ store, clock, config, members, onChanges: sendNow }),
  };
}
