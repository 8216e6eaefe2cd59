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

  async pruneNow(): Promise<number> {
    const cutoff = this.deps.clock.now() - this.deps.retentionDays * DAY_MS;
    const limit = this.deps.batchSize ?? 1000;
    let total = 0;
    for (;;) {
      const deleted = await this.deps.store.pruneBefore(cutoff, { limit });
      total += deleted;
      if (deleted < limit) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
