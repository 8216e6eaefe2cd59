import type { DigestFacts } from '../../domain/digest.js';
import { STAGES } from '../../domain/event.js';
import type { ExceptionRecord } from '../../domain/exception.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import {
  type AuditedChangeRow,
  type CartRow,
  type DigestRunRow,
  type ExpectationRow,
  toAuditedChange,
  toCartState,
  toDigestRun,
} from '../rows/status-rows.js';
import {
  type LiveAmountRow,
  type LiveCountRow,
  OLDEST_UNCLAIMED,
  overviewOf,
  type WaitingRow,
} from '../shared/overview.js';
import type { AuditedChange, CartState, ExceptionOverview } from '../status-types.js';
import type { DigestRun } from '../store.js';
import type { Sql } from './connection.js';

/** Several reads that must agree with each other see one snapshot; nothing is written. */
const SNAPSHOT = 'isolation level repeatable read read only';

/**
 * Reads for /cart-status, the Home tab, the daily digest and metrics on Postgres. What the rows mean
 * (the overview's grouping, money at risk, row shapes) is shared with the SQLite store; this is SQL.
 * Text is ordered as SQLite orders it (code units: COLLATE "C"), ties by id, so both stores list alike.
 */
export class StatusQueries {
  constructor(private readonly sql: Sql) {}

  async cartState(cartId: string): Promise<CartState | undefined> {
    const [carts, expectations] = await this.sql.begin(SNAPSHOT, (tx) => [
      tx<CartRow[]>`SELECT cart_id, stage, step, status, last_progress_at, value, currency, stall_due_at
        FROM carts WHERE cart_id = ${cartId}`,
      tx<ExpectationRow[]>`SELECT rule, after_at, due_at FROM expectations WHERE cart_id = ${cartId}
        ORDER BY due_at, rule COLLATE "C"`,
    ]);
    const [row] = carts;
    return row === undefined ? undefined : toCartState(row, expectations);
  }

  /** The overview's reads pipelined on one connection, in one snapshot. */
  async overview(since: number): Promise<ExceptionOverview> {
    const [live, amounts, oldest, resolved, waiting] = await this.sql.begin(SNAPSHOT, (tx) => [
      tx<LiveCountRow[]>`SELECT team, stage, state, count(*)::int AS n FROM exceptions
        WHERE state != 'resolved' GROUP BY team, stage, state`,
      tx<LiveAmountRow[]>`SELECT team, stage, cart_id, amount_value AS value, amount_currency AS currency
        FROM exceptions WHERE state != 'resolved' AND amount_value IS NOT NULL AND amount_currency IS NOT NULL`,
      tx<ExceptionRow[]>`SELECT * FROM exceptions WHERE state = 'open'
        ORDER BY first_seen_at, id LIMIT ${OLDEST_UNCLAIMED}`,
      tx<{ n: number }[]>`SELECT count(*)::int AS n FROM exceptions
        WHERE resolved_at IS NOT NULL AND resolved_at >= ${since}`,
      // Per stage through the (stage, status, last_progress_at) index: the cost is the carts waiting.
      tx<WaitingRow[]>`SELECT stage, count(*)::int AS n, min(last_progress_at) AS oldest FROM carts
        WHERE stage = ANY(${[...STAGES]}::text[]) AND status = 'started' GROUP BY stage`,
    ]);
    return overviewOf({
      live,
      amounts,
      oldestUnclaimed: oldest.map(toException),
      resolvedSince: resolved[0]?.n ?? 0,
      waiting,
    });
  }

  async changesOfTeam(team: string, from: number, to: number): Promise<AuditedChange[]> {
    const rows = await this.sql<AuditedChangeRow[]>`
      SELECT a.exception_id, a.action, a.at, e.first_seen_at, e.kind, e.stage, e.step, e.error_code
      FROM exception_audit a JOIN exceptions e ON e.id = a.exception_id
      WHERE a.at >= ${from} AND a.at < ${to} AND e.team = ${team} ORDER BY a.id`;
    return rows.map(toAuditedChange);
  }

  async liveOfTeam(team: string): Promise<ExceptionRecord[]> {
    const rows = await this.sql<ExceptionRow[]>`SELECT * FROM exceptions
      WHERE team = ${team} AND state != 'resolved' ORDER BY first_seen_at, id`;
    return rows.map(toException);
  }

  async assignedTo(userId: string, limit: number): Promise<ExceptionRecord[]> {
    const rows = await this.sql<ExceptionRow[]>`SELECT * FROM exceptions
      WHERE assignee = ${userId} AND state != 'resolved' ORDER BY first_seen_at, id LIMIT ${limit}`;
    return rows.map(toException);
  }

  async previousDigest(team: string, beforeLocalDate: string): Promise<DigestFacts | undefined> {
    const [row] = await this.sql<{ facts: string }[]>`SELECT facts FROM digest_runs
      WHERE team = ${team} AND local_date COLLATE "C" < ${beforeLocalDate}
      ORDER BY local_date COLLATE "C" DESC LIMIT 1`;
    return row === undefined ? undefined : (JSON.parse(row.facts) as DigestFacts);
  }

  async digestRunOn(team: string, localDate: string): Promise<DigestRun | undefined> {
    const [row] = await this.sql<DigestRunRow[]>`SELECT ran_at, posted FROM digest_runs
      WHERE team = ${team} AND local_date = ${localDate}`;
    return row === undefined ? undefined : toDigestRun(row);
  }

  /** Open and acknowledged exceptions by team and kind (metrics). */
  async liveExceptionCounts(): Promise<{ team: string; kind: string; count: number }[]> {
    return [
      ...(await this.sql<{ team: string; kind: string; count: number }[]>`
        SELECT team, kind, count(*)::int AS count FROM exceptions WHERE state != 'resolved'
        GROUP BY team, kind ORDER BY team COLLATE "C", kind COLLATE "C"`),
    ];
  }
}
