import type Database from 'better-sqlite3';
import type { ExceptionGroup, PersonCount } from '../../domain/exception.js';
import { type GroupCounts, type GroupRow, toExceptionGroup } from '../rows/group-rows.js';

/** A group as its message shows it: counts by state, value at risk, a sample of carts, who handled it. */
export class GroupReader {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      group: db.prepare<[number], GroupRow>('SELECT * FROM exception_groups WHERE id = ?'),
      counts: db.prepare<[number], GroupCounts>(
        `SELECT count(*) AS total, count(*) FILTER (WHERE state = 'open') AS open,
           count(*) FILTER (WHERE state = 'acknowledged') AS acknowledged,
           count(*) FILTER (WHERE state = 'resolved') AS resolved,
           min(first_seen_at) AS first, max(last_seen_at) AS last, max(id) AS last_member
           FROM exceptions WHERE group_id = ?`,
      ),
      value: db.prepare<[number], { currency: string; value: number }>(
        `SELECT amount_currency AS currency, sum(amount_value) AS value FROM exceptions
         WHERE group_id = ? AND state != 'resolved' AND amount_value IS NOT NULL
         GROUP BY amount_currency ORDER BY amount_currency`,
      ),
      sample: db.prepare<[number], { cart_id: string }>(
        'SELECT cart_id FROM exceptions WHERE group_id = ? AND cart_id IS NOT NULL ORDER BY id DESC LIMIT 10',
      ),
      // Acknowledged and since resolved still counts: the message tells who took the storm on.
      acknowledgedBy: db.prepare<[number], PersonCount>(
        `SELECT assignee AS user, count(*) AS count FROM exceptions
         WHERE group_id = ? AND acknowledged_at IS NOT NULL AND assignee IS NOT NULL
         GROUP BY assignee ORDER BY count(*) DESC, min(acknowledged_at), assignee`,
      ),
      resolvedBy: db.prepare<[number], PersonCount>(
        `SELECT resolved_by AS user, count(*) AS count FROM exceptions
         WHERE group_id = ? AND state = 'resolved' AND resolved_by IS NOT NULL
         GROUP BY resolved_by ORDER BY count(*) DESC, min(resolved_at), resolved_by`,
      ),
    };
  }

  load(groupId: number): ExceptionGroup | undefined {
    const row = this.s.group.get(groupId);
    if (!row) return undefined;
    return toExceptionGroup(row, this.s.counts.get(groupId), {
      valueAtRisk: this.s.value.all(groupId),
      sampleCarts: this.s.sample.all(groupId).map((r) => r.cart_id),
      acknowledgedBy: this.s.acknowledgedBy.all(groupId),
      resolvedBy: this.s.resolvedBy.all(groupId),
    });
  }
}
