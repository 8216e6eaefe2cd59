import type { NewEvent, RecordOutcome, Store } from '../store/store.js';
import type { Clock } from './clock.js';

/** Records validated events durably, all or nothing, stamped with when they arrived. */
export class IngestService {
  constructor(private readonly deps: { store: Store; clock: Clock; onRecorded?: () => void }) {}

  async record(batch: readonly NewEvent[]): Promise<RecordOutcome> {
    const outcome = await this.deps.store.recordEvents(batch, { receivedAt: this.deps.clock.now() });
    // Detection follows the log on its own; this only tells it there is news, never waits for it.
    if (outcome.accepted > 0) this.deps.onRecorded?.();
    return outcome;
  }
}
