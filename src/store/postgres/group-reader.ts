import type { ExceptionGroup, PersonCount } from '../../domain/exception.js';
import { type GroupCounts, type GroupRow, toExceptionGroup } from '../rows/group-rows.js';
import type { Runner } from './connection.js';

/**
 * A group as its message shows it: counts by state, value at risk, a sample of carts, who handled it.
 * The queries are sent together (pipelined): give it a transaction for one consistent view.
 */
export class GroupReader {
  async load(db: Runner, groupId: number): Promise<ExceptionGroup | undefined> {
    const [groups, counts, value, sample, acknowledgedBy, resolvedBy] = await Promise.all([
      db<GroupRow[]>`SELECT id, group_key, kind, stage, step, error_code, team, channel, first_seen_at,
        revision, slack_ts FROM exception_groups WHERE id = ${groupId}`,
      db<GroupCounts[]>`SELECT count(*) AS total, count(*) FILTER (WHERE state = 'open') AS open,
        count(*) FILTER (WHERE state = 'acknowledged') AS acknowledged,
        count(*) FILTER (WHERE state = 'resolved') AS resolved,
        min(first_seen_at) AS first, max(last_seen_at) AS last, max(id) AS last_member
        FROM exceptions WHERE group_id = ${groupId}`,
      db<{ currency: string; value: number }[]>`
        SELECT amount_currency AS currency, sum(amount_value)::bigint AS value FROM exceptions
        WHERE group_id = ${groupId} AND state != 'resolved' AND amount_value IS NOT NULL
        GROUP BY amount_currency ORDER BY amount_currency`,
      db<{ cart_id: string }[]>`SELECT cart_id FROM exceptions WHERE group_id = ${groupId}
        AND cart_id IS NOT NULL ORDER BY id DESC LIMIT 10`,
      // Acknowledged and since resolved still counts: the message tells who took the storm on.
      db<PersonCount[]>`SELECT assignee AS user, count(*) AS count FROM exceptions
        WHERE group_id = ${groupId} AND acknowledged_at IS NOT NULL AND assignee IS NOT NULL
        GROUP BY assignee ORDER BY count(*) DESC, min(acknowledged_at), assignee`,
      db<PersonCount[]>`SELECT resolved_by AS user, count(*) AS count FROM exceptions
        WHERE group_id = ${groupId} AND state = 'resolved' AND resolved_by IS NOT NULL
        GROUP BY resolved_by ORDER BY count(*) DESC, min(resolved_at), resolved_by`,
    ]);
    const row = groups[0];
    if (row === undefined) return undefined;
    return toExceptionGroup(row, counts[0], {
      valueAtRisk: [...value],
      sampleCarts: sample.map((r) => r.cart_id),
      acknowledgedBy: [...acknowledgedBy],
      resolvedBy: [...resolvedBy],
    });
  }
}
