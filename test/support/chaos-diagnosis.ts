import type { Sql } from '../../src/store/postgres/connection.js';

/**
 * What the database looked like when a run failed: where exceptions and Slack writes stand, who
 * holds each channel, the detection cursor, and every session with its transaction's age (one left
 * open holds back detection for the whole cluster).
 */
export async function diagnose(sql: Sql, now = Date.now()): Promise<string> {
  const sections = await Promise.all([
    section(
      'exceptions',
      sql`SELECT state, count(*)::int AS n FROM exceptions GROUP BY state ORDER BY state`,
    ),
    section(
      'outbox',
      sql`SELECT kind, state, count(*)::int AS n, min(due_at) - ${now} AS due_in_ms,
            max(claimed_until) - ${now} AS claimed_for_ms, sum(in_doubt)::int AS in_doubt
          FROM outbox GROUP BY kind, state ORDER BY kind, state`,
    ),
    section(
      'leases',
      sql`SELECT channel, holder, token, until_at - ${now} AS until_in_ms, last_sent_at FROM channel_leases`,
    ),
    section('cursors', sql`SELECT name, value FROM cursors`),
    section(
      'events',
      sql`SELECT count(*)::int AS n, max(xid::text::numeric)::text AS last_xid, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon
          FROM events`,
    ),
    // Counted more than once: when each of its cart's events was stored and what its trail says.
    section(
      'counted twice or more',
      sql`SELECT e.cart_id, e.count, e.raised_at, e.last_seen_at,
            (SELECT json_agg(json_build_object('id', v.id, 'xid', v.xid::text, 'seq', v.seq, 'at', v.received_at)
               ORDER BY v.seq) FROM events v WHERE v.cart_id = e.cart_id) AS events,
            (SELECT json_agg(json_build_object('action', a.action, 'at', a.at) ORDER BY a.id)
               FROM exception_audit a WHERE a.exception_id = e.id) AS trail
          FROM exceptions e WHERE e.count > 1 ORDER BY e.id`,
    ),
    section(
      'sessions',
      sql`SELECT application_name AS app, state, wait_event_type AS waits,
            (extract(epoch from now() - xact_start) * 1000)::int AS xact_ms, left(query, 80) AS query
          FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
          ORDER BY xact_start NULLS LAST`,
    ),
  ]);
  return sections.join('\n');
}

async function section(name: string, rows: Promise<readonly Record<string, unknown>[]>): Promise<string> {
  try {
    const list = await rows;
    return `${name}:${list.map((row) => `\n  ${JSON.stringify(row)}`).join('') || ' none'}`;
  } catch (error) {
    return `${name}: could not be read (${(error as Error).message})`;
  }
}
