import type { NewEvent, RecordOutcome, Store } from '../store/store.js';
import type { Clock } from './clock.js';

/** Records validated events durably, all or nothing, stamped with when they arrived. */
export class IngestService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  record(batch: readonly NewEvent[]): Promise<RecordOutcome> {
    return this.deps.store.recordEvents(batch, { receivedAt: this.deps.clock.now() });
  }
}
