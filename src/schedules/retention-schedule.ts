import type { Logger } from '../logger.js';
import type { RetentionService } from '../services/retention.js';

const FIRST_AFTER_MS = 10_000;
const EVERY_MS = 60 * 60 * 1000;

/**
 * Retention once soon after start (not during it), then hourly. Every instance schedules it; on
 * Postgres the store lets one at a time prune (a try-lock), so several instances never race over it.
 */
export function scheduleRetention(retention: RetentionService, logger: Logger): () => void {
  const prune = () => {
    retention.pruneNow().catch((error: unknown) => logger.error('retention pruning failed:', error));
  };
  const first = setTimeout(prune, FIRST_AFTER_MS).unref();
  const hourly = setInterval(prune, EVERY_MS).unref();
  return () => {
    clearTimeout(first);
    clearInterval(hourly);
  };
}
