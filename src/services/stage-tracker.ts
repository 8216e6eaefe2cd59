import type { Stage, StoredEvent } from '../domain/event.js';
import { countedAt } from '../domain/rates.js';
import { passBatch, type StageMark, type StageTimeTally, stageVisits, staysPut } from '../domain/rollups.js';
import type { Store } from '../store/store.js';

/** Carts whose stage is remembered between batches; past this the memory starts over. */
const KEPT = 50_000;

/** What a batch does to stage times: marks that moved (to store) and hand-offs (to count). */
export interface StagePass {
  moved: [cartId: string, stage: Stage, enteredAt: number][];
  times: StageTimeTally[];
  /** Marks read from the store for this batch's carts that memory did not hold. */
  loaded: Map<string, StageMark>;
}

/**
 * Where each cart stands for trends' times through stages. The store holds the marks; the ones of
 * carts seen lately are also kept here, so that most events cost a lookup in memory rather than a
 * read. Memory follows the store only while this detector is the one moving the cursor: the
 * detector calls `forget` whenever it finds the cursor elsewhere than it left it.
 */
export class StageTracker {
  private readonly marks = new Map<string, StageMark>();

  constructor(private readonly store: Store) {}

  async pass(events: readonly StoredEvent[]): Promise<StagePass> {
    // Events that cannot move what memory knows (a cart seen again in its stage) cost one lookup.
    const news = events.filter(
      (e) => e.cartId !== undefined && !staysPut(this.marks.get(e.cartId), e.stage, countedAt(e)),
    );
    const carts = stageVisits(news);
    const unknown = carts.filter((c) => !this.marks.has(c.cartId)).map((c) => c.cartId);
    const loaded = unknown.length > 0 ? await this.store.stageMarks(unknown) : new Map<string, StageMark>();
    const { moved, times } = passBatch(carts, (cartId) => this.marks.get(cartId) ?? loaded.get(cartId));
    return { moved, times, loaded };
  }

  /** The batch was applied: its marks are the store's now. */
  remember(pass: StagePass): void {
    if (this.marks.size + pass.loaded.size + pass.moved.length > KEPT) this.marks.clear();
    for (const [cartId, mark] of pass.loaded) this.marks.set(cartId, mark);
    for (const [cartId, stage, enteredAt] of pass.moved) this.marks.set(cartId, { stage, enteredAt });
  }

  forget(): void {
    this.marks.clear();
  }
}
