/**
 * The outbox's send order, written once for both stores. It stays inside the claim's one statement
 * (it is evaluated per row over an index, where loading rows to decide in code would cost what is
 * pending rather than what is due), so it is shared as SQL text that both dialects read alike; the
 * conformance suite pins its behaviour on each store.
 */
import { POSTING_KINDS } from './outbox-jobs.js';

/** `kind IN ('post', …)`: the kinds a channel's posting pace holds back. */
export const POSTING_KIND_LIST = POSTING_KINDS.map((kind) => `'${kind}'`).join(', ');

/**
 * True for a row `o` that waits for nothing: in order per message, a row waits for earlier pending
 * rows of its exception (or storm, or board) that are due, or that create the message. A note due
 * later (batched repeats) blocks nothing. `now` is the dialect's placeholder for the claim's time.
 */
export function waitsForNothingEarlier(now: string): string {
  return `(o.exception_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p
      WHERE p.exception_id = o.exception_id AND p.state = 'pending' AND p.id < o.id
        AND (p.due_at <= ${now} OR p.kind IN ('post', 'moved'))))
    AND (o.group_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p
      WHERE p.group_id = o.group_id AND p.state = 'pending' AND p.id < o.id
        AND (p.due_at <= ${now} OR p.kind = 'group_post')))
    AND (o.kind NOT IN ('board_post', 'board_update') OR NOT EXISTS (SELECT 1 FROM outbox p
      WHERE p.kind IN ('board_post', 'board_update') AND p.payload = o.payload
        AND p.state = 'pending' AND p.id < o.id))`;
}
