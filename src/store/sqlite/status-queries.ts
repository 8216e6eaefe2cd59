import type Database from 'better-sqlite3';
import type { DigestFacts } from '../../domain/digest.js';
import { type Money, STAGES, type Stage, type Status } from '../../domain/event.js';
import type { ExceptionRecord } from '../../domain/exception.js';
import { valueAtRisk } from '../../domain/money.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import type { AuditedChange, CartState, ExceptionOverview, TeamStageCount } from '../status-types.js';
import type { DigestRun } from '../store.js';

interface CartRow {
  cart_id: string;
  stage: string;
  step: string;
  status: string;
  last_progress_at: number;
  value: number | null;
  currency: string | null;
  stall_due_at: number | null;
}

/** Reads for /cart-status and the Home tab; each goes through an index sized by live exceptions or one cart. */
export class StatusQueries {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      cart: db.prepare<[string], CartRow>('SELECT * FROM carts WHERE cart_id = ?'),
      expectations: db.prepare<[string], { rule: string; after_at: number; due_at: number }>(
        'SELECT rule, after_at, due_at FROM expectations WHERE cart_id = ? ORDER BY due_at',
      ),
      live: db.prepare<[], { team: string; stage: string; state: string; n: number }>(
        `SELECT team, stage, state, count(*) AS n FROM exceptions WHERE state != 'resolved' GROUP BY team, stage, state`,
      ),
      liveAmounts: db.prepare<
        [],
        { team: string; stage: string; cart_id: string | null; value: number; currency: string }
      >(
        `SELECT team, stage, cart_id, amount_value AS value, amount_currency AS currency FROM exceptions
         WHERE state != 'resolved' AND amount_value IS NOT NULL AND amount_currency IS NOT NULL`,
      ),
      oldestUnclaimed: db.prepare<[number], ExceptionRow>(
        "SELECT * FROM exceptions WHERE state = 'open' ORDER BY first_seen_at LIMIT ?",
      ),
      resolvedSince: db.prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM exceptions WHERE resolved_at IS NOT NULL AND resolved_at >= ?',
      ),
      waiting: db.prepare<[string], { n: number; oldest: number | null }>(
        "SELECT count(*) AS n, min(last_progress_at) AS oldest FROM carts WHERE stage = ? AND status = 'started'",
      ),
      changes: db.prepare<
        [number, number, string],
        {
          exception_id: number;
          action: string;
          at: number;
          first_seen_at: number;
          kind: string;
          stage: string;
          step: string;
          error_code: string | null;
        }
      >(
        `SELECT a.exception_id, a.action, a.at, e.first_seen_at, e.kind, e.stage, e.step, e.error_code
         FROM exception_audit a JOIN exceptions e ON e.id = a.exception_id
         WHERE a.at >= ? AND a.at < ? AND e.team = ? ORDER BY a.id`,
      ),
      liveOfTeam: db.prepare<[string], ExceptionRow>(
        "SELECT * FROM exceptions WHERE team = ? AND state != 'resolved' ORDER BY first_seen_at",
      ),
      previousDigest: db.prepare<[string, string], { facts: string }>(
        'SELECT facts FROM digest_runs WHERE team = ? AND local_date < ? ORDER BY local_date DESC LIMIT 1',
      ),
      digestRunOn: db.prepare<[string, string], { ran_at: number; posted: number | null }>(
        'SELECT ran_at, posted FROM digest_runs WHERE team = ? AND local_date = ?',
      ),
      createdAt: db.prepare<[], { applied_at: string | null }>(
        'SELECT min(applied_at) AS applied_at FROM schema_migrations',
      ),
      assigned: db.prepare<[string, number], ExceptionRow>(
        "SELECT * FROM exceptions WHERE assignee = ? AND state != 'resolved' ORDER BY first_seen_at LIMIT ?",
      ),
    };
  }

  cartState(cartId: string): CartState | undefined {
    const row = this.s.cart.get(cartId);
    if (!row) return undefined;
    const state: CartState = {
      cartId: row.cart_id,
      stage: row.stage as Stage,
      step: row.step,
      status: row.status as Status,
      lastProgressAt: row.last_progress_at,
      expectations: this.s.expectations
        .all(cartId)
        .map((x) => ({ rule: x.rule, afterAt: x.after_at, dueAt: x.due_at })),
    };
    if (row.value !== null && row.currency !== null)
      state.value = { value: row.value, currency: row.currency };
    if (row.stall_due_at !== null) state.stallDueAt = row.stall_due_at;
    return state;
  }

  overview(since: number): ExceptionOverview {
    const byKey = new Map<string, TeamStageCount>();
    const entry = (team: string, stage: string) => {
      const key = `${team}|${stage}`;
      let found = byKey.get(key);
      if (!found) {
        found = { team, stage: stage as Stage, open: 0, acknowledged: 0, valueAtRisk: [] };
        byKey.set(key, found);
      }
      return found;
    };
    for (const row of this.s.live.all()) {
      const counts = entry(row.team, row.stage);
      if (row.state === 'open') counts.open += row.n;
      else counts.acknowledged += row.n;
    }
    // Money is summed in the domain, where a cart's value counts once however many exceptions it has.
    const all: { cartId?: string; amount: Money }[] = [];
    const perRow = new Map<TeamStageCount, typeof all>();
    for (const row of this.s.liveAmounts.all()) {
      const item = {
        ...(row.cart_id !== null && { cartId: row.cart_id }),
        amount: { value: row.value, currency: row.currency },
      };
      all.push(item);
      const counts = entry(row.team, row.stage);
      const items = perRow.get(counts) ?? [];
      items.push(item);
      perRow.set(counts, items);
    }
    for (const [counts, items] of perRow) counts.valueAtRisk = valueAtRisk(items);
    return {
      valueAtRisk: valueAtRisk(all),
      byTeamAndStage: [...byKey.values()].sort(
        (a, b) => a.team.localeCompare(b.team) || a.stage.localeCompare(b.stage),
      ),
      oldestUnclaimed: this.s.oldestUnclaimed.all(5).map(toException),
      resolvedSince: this.s.resolvedSince.get(since)?.n ?? 0,
      // One index range per stage: the cost is the carts waiting, not all carts.
      waiting: STAGES.map((stage) => {
        const row = this.s.waiting.get(stage) ?? { n: 0, oldest: null };
        return row.oldest === null ? { stage, carts: row.n } : { stage, carts: row.n, oldestAt: row.oldest };
      }).filter((w) => w.carts > 0),
    };
  }

  changesOfTeam(team: string, from: number, to: number): AuditedChange[] {
    return this.s.changes.all(from, to, team).map((row) => {
      const change: AuditedChange = {
        exceptionId: row.exception_id,
        action: row.action,
        at: row.at,
        firstSeenAt: row.first_seen_at,
        kind: row.kind,
        stage: row.stage as Stage,
        step: row.step,
      };
      if (row.error_code !== null) change.errorCode = row.error_code;
      return change;
    });
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
    if (row === undefined) return undefined;
    return { ranAt: row.ran_at, ...(row.posted !== null && { posted: row.posted === 1 }) };
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
