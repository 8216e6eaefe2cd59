import { STAGES, STATUSES } from '../../domain/event.js';

/**
 * Of the oldest rows (in the order they were made, at most a batch), the last one made before the
 * cutoff: everything up to it goes, so the cost of a prune is what it deletes, never a scan. A row
 * made at or after the cutoff stops it, even if older ones follow.
 */
export function lastMadeBefore<T>(
  oldest: readonly T[],
  cutoff: number,
  madeAt: (row: T) => number,
): T | undefined {
  let last: T | undefined;
  for (const row of oldest) {
    if (madeAt(row) >= cutoff) break;
    last = row;
  }
  return last;
}

/**
 * Idle carts are looked for per stage and status, so the (stage, status, last_progress_at) index
 * finds them without a scan; up to a batch each.
 */
export const IDLE_CART_CLASSES: readonly { stage: string; status: string }[] = STAGES.flatMap((stage) =>
  STATUSES.map((status) => ({ stage, status })),
);
