import { EVENT_FIELDS, type EventRow, POSTGRES_RAW_IF_OWNER, toStoredEvent } from '../rows/event-rows.js';
import type { DetectionCursor, DetectionPage } from '../store.js';
import type { Sql } from './connection.js';

/**
 * The detector's feed. Sequence values are taken when rows are inserted but become visible when
 * their transactions commit, in another order, so "seq after the last one read" could pass over an
 * event committed late. Instead the feed follows (xid, seq) and stops below the oldest transaction
 * still running (the snapshot's xmin): everything below it has committed or rolled back for good,
 * and what commits later has a larger xid than that horizon, so it is read later, never skipped.
 */
export class EventFeed {
  constructor(private readonly sql: Sql) {}

  async eventsAfter(cursor: DetectionCursor, limit: number): Promise<DetectionPage> {
    const { xid, seq } = parseCursor(cursor);
    // Ordered by the xid8 column itself (qualified): a bare `xid` here would name the text output
    // column, so "1000" would sort before "999" and the page and its last row (the next cursor)
    // would follow text order: events read twice, or passed over, whenever xids gain a digit.
    const rows = await this.sql<(EventRow & { xid: string })[]>`
      SELECT xid::text AS xid, ${this.sql.unsafe(`${EVENT_FIELDS}, ${POSTGRES_RAW_IF_OWNER}`)} FROM events
      WHERE (xid, seq) > (${xid}::xid8, ${seq}::bigint)
        AND xid < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY events.xid, events.seq
      LIMIT ${limit}`;
    const last = rows[rows.length - 1];
    const next = last === undefined ? cursor : `${last.xid}:${last.seq}`;
    const page: DetectionPage = { events: rows.map(toStoredEvent), next };
    if (rows.length < limit && (await this.heldBack(next))) page.behind = true;
    return page;
  }

  /**
   * Whether events after `cursor` have committed but sit at or above the horizon: their notification
   * has already come, so the detector must look again rather than wait for the next one.
   */
  private async heldBack(cursor: DetectionCursor): Promise<boolean> {
    const { xid, seq } = parseCursor(cursor);
    const [row] = await this.sql<{ held: boolean }[]>`
      SELECT EXISTS (
        SELECT 1 FROM events
        WHERE (xid, seq) > (${xid}::xid8, ${seq}::bigint)
          AND xid >= pg_snapshot_xmin(pg_current_snapshot())
      ) AS held`;
    return row?.held === true;
  }

  async detectionCursor(): Promise<DetectionCursor> {
    const [row] = await this.sql<{ value: string }[]>`SELECT value FROM cursors WHERE name = 'detector'`;
    return row?.value ?? '0:0';
  }
}

/** "xid:seq", as the feed hands it out (the detector keeps it opaque). */
export function parseCursor(cursor: DetectionCursor): { xid: string; seq: number } {
  const match = /^(\d+):(\d+)$/.exec(cursor);
  if (match === null) throw new Error(`not a Postgres detection cursor: ${JSON.stringify(cursor)}`);
  return { xid: match[1] as string, seq: Number(match[2]) };
}
