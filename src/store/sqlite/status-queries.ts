import type Database from 'better-sqlite3';
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

/** Reads for /cart-status and the Home tab; each goes through an index sized by live exceptions or one cart. */
export class StatusQueries {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      cart: db.prepare<[string], CartRow>('SELECT * FROM carts WHERE cart_id = ?'),
      expectations: db.prepare<[string], ExpectationRow>(
        'SELECT rule, after_at, due_at FROM expectations WHERE cart_id = ? ORDER BY due_at, rule',
      ),
      live: db.prepare<[], LiveCountRow>(
        `SELECT team, stage, state, count(*) AS n FROM exceptions WHERE state != 'resolved' GROUP BY team, stage, state`,
      ),
      liveAmounts: db.prepare<[], LiveAmountRow>(
        `SELECT team, stage, cart_id, amount_value AS value, amount_currency AS currency FROM exceptions
         WHERE state != 'resolved' AND amount_value IS NOT NULL AND amount_currency IS NOT NULL`,
      ),
      oldestUnclaimed: db.prepare<[number], ExceptionRow>(
        "SELECT * FROM exceptions WHERE state = 'open' ORDER BY first_seen_at, id LIMIT ?",
      ),
      resolvedSince: db.prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM exceptions WHERE resolved_at IS NOT NULL AND resolved_at >= ?',
      ),
      waiting: db.prepare<[string], WaitingRow>(
        "SELECT stage, count(*) AS n, min(last_progress_at) AS oldest FROM carts WHERE stage = ? AND status = 'started'",
      ),
      changes: db.prepare<[number, number, string], AuditedChangeRow>(
        `SELECT a.exception_id, a.action, a.at, e.first_seen_at, e.kind, e.stage, e.step, e.error_code
         FROM exception_audit a JOIN exceptions e ON e.id = a.exception_id
         WHERE a.at >= ? AND a.at < ? AND e.team = ? ORDER BY a.id`,
      ),
      liveOfTeam: db.prepare<[string], ExceptionRow>(
        "SELECT * FROM exceptions WHERE team = ? AND state != 'resolved' ORDER BY first_seen_at, id",
      ),
      previousDigest: db.prepare<[string, string], { facts: string }>(
        'SELECT facts FROM digest_runs WHERE team = ? AND local_date < ? ORDER BY local_date DESC LIMIT 1',
      ),
      digestRunOn: db.prepare<[string, string], DigestRunRow>(
        'SELECT ran_at, posted FROM digest_runs WHERE team = ? AND local_date = ?',
      ),
      createdAt: db.prepare<[], { applied_at: string | null }>(
        'SELECT min(applied_at) AS applied_at FROM schema_migrations',
      ),
      assigned: db.prepare<[string, number], ExceptionRow>(
        "SELECT * FROM exceptions WHERE assignee = ? AND state != 'resolved' ORDER BY first_seen_at, id LIMIT ?",
      ),
    };
  }

  cartState(cartId: string): CartState | undefined {
    const row = this.s.cart.get(cartId);
    return row === undefined ? undefined : toCartState(row, this.s.expectations.all(cartId));
  }

  overview(since: number): ExceptionOverview {
    return overviewOf({
      live: this.s.live.all(),
      amounts: this.s.liveAmounts.all(),
      oldestUnclaimed: this.s.oldestUnclaimed.all(OLDEST_UNCLAIMED).map(toException),
      resolvedSince: this.s.resolvedSince.get(since)?.n ?? 0,
      // One index range per stage: the cost is the carts waiting, not all carts.
      waiting: STAGES.flatMap((stage) => this.s.waiting.get(stage) ?? []),
    });
  }

  changesOfTeam(team: string, from: number, to: number): AuditedChange[] {
    return this.s.changes.all(from, to, team).map(toAuditedChange);
  }

  liveOfTeam(team: string): ExceptionRecord[] {
    return this.s.liveOfTeam.all(team).map(toException);
  }

  previousDigest(team: string, beforeLocalDate: string): DigestFacts | undefined {
    const row = this.s.previousDigest.get(team, beforeLocalDate);
    return row === undefined ? undefined : (JSON.parse(row.facts) as DigestFacts);
  }

  digestRunOn(team: string, localDate: string): DigestRun | undefined {
    const row = this.s.digestRunOn.get(team, localDate);
    return row === undefined ? undefined : toDigestRun(row);
  }

  /** The first migration was applied when the file was made, by its opener's clock. */
  createdAt(): number {
    const first = this.s.createdAt.get()?.applied_at;
    return first ? Date.parse(first) : 0;
  }

  assignedTo(userId: string, limit: number): ExceptionRecord[] {
    return this.s.assigned.all(userId, limit).map(toException);
  }
}
