import { buildTimeline, type TimelineEntry } from '../domain/timeline.js';
import type { Store } from '../store/store.js';

export interface CartTimeline {
  /** Null when the id is a correlation key whose cart has not been linked yet. */
  cartId: string | null;
  entries: TimelineEntry[];
}

/** "What happened to this cart?": its events stitched across stages, whichever id the caller has. */
export class TimelineService {
  constructor(private readonly deps: { store: Store }) {}

  async forId(id: string): Promise<CartTimeline | null> {
    const history = await this.deps.store.findCartHistory(id);
    if (history === null) return null;
    return { cartId: history.cartId, entries: buildTimeline(history.events) };
  }
}
