import { IDLE_CART_CLASSES, lastMadeBefore } from '../shared/retention.js';
import { type Sql, transaction } from './connection.js';
import { TrendWriter } from './trend-writer.js';

/** Advisory lock (one bigint) held by the instance pruning: "prune". */
const PRUNE_LOCK = 0x7072756e65;

/**
 * Retention on Postgres, as SQLite's (sqlite-writer.ts pruneBefore): the oldest events and sent Slack
 * writes received before the cutoff, aliases seen before it, trends' hours, and carts idle since
 * then with their links and stage marks. One instance prunes at a time: another one asking meanwhile
 * gets 0 at once instead of waiting to delete the same rows.
 */
export class Retention {
  private readonly trends = new TrendWriter();

  constructor(private readonly sql: Sql) {}

  pruneBefore(cutoff: number, limit: number): Promise<number> {
    return transaction(this.sql, async (tx) => {
      const [lock] = await tx<
        { held: boolean }[]
      >`SELECT pg_try_advisory_xact_lock(${PRUNE_LOCK}::bigint) AS held`;
      if (lock?.held !== true) return 0;
      const [events, outbox] = await Promise.all([
        tx<
          { seq: number; received_at: number }[]
        >`SELECT seq, received_at FROM events ORDER BY seq LIMIT ${limit}`,
        tx<
          { id: number; created_at: number }[]
        >`SELECT id, created_at FROM outbox ORDER BY id LIMIT ${limit}`,
      ]);
      const lastEvent = lastMadeBefore(events, cutoff, (e) => e.received_at);
      const lastOutbox = lastMadeBefore(outbox, cutoff, (o) => o.created_at);
      const idle = IDLE_CART_CLASSES;
      const [deleted, , , , carts] = await Promise.all([
        lastEvent === undefined ? [] : tx`DELETE FROM events WHERE seq <= ${lastEvent.seq} RETURNING 1`,
        // Sent Slack writes past retention go too; pending and failed ones stay.
        lastOutbox !== undefined &&
          tx`DELETE FROM outbox WHERE id <= ${lastOutbox.id} AND state IN ('sent', 'superseded')`,
        // An alias goes with the last event that carried it: what a person holds is found as long as that is.
        tx`DELETE FROM key_aliases WHERE (alias, key_kind, key_value) IN
          (SELECT alias, key_kind, key_value FROM key_aliases WHERE recorded_at < ${cutoff} LIMIT ${limit})`,
        this.trends.pruneBefore(tx, cutoff),
        tx<{ cart_id: string }[]>`
          WITH idle AS (
            SELECT c.cart_id FROM unnest(${idle.map((c) => c.stage)}::text[], ${idle.map((c) => c.status)}::text[])
              AS k(stage, status)
            CROSS JOIN LATERAL (SELECT cart_id FROM carts WHERE stage = k.stage AND status = k.status
              AND last_progress_at < ${cutoff} LIMIT ${limit}) c)
          DELETE FROM carts WHERE cart_id IN (SELECT cart_id FROM idle) RETURNING cart_id`,
      ]);
      const gone = carts.map((c) => c.cart_id);
      await Promise.all([
        tx`DELETE FROM correlation_links WHERE cart_id = ANY(${gone}::text[])`,
        this.trends.forgetCart(tx, gone),
      ]);
      return deleted.length;
    });
  }
}
