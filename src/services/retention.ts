import { COUNTS_KEPT_MS } from '../domain/rates.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes what is older than the retention period in small batches, yielding between them
 * so ingest never waits behind one long delete.
 */
export class RetentionService {
  constructor(
    private readonly deps: { store: Store; clock: Clock; retentionDays: number; batchSize?: number },
  ) {}

  /** Returns how many events went. */
  async pruneNow(): Promise<number> {
    const now = this.deps.clock.now();
    const cutoff = now - this.deps.retentionDays * DAY_MS;
    const limit = this.deps.batchSize ?? 1000;
    // Noise's per-minute counts live as long as the rate baseline needs them, whatever the retention.
    await this.deps.store.pruneNoiseCounts(now - COUNTS_KEPT_MS);
    let total = 0;
    for (;;) {
      const deleted = await this.deps.store.pruneBefore(cutoff, { limit });
      total += deleted;
      if (deleted < limit) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
