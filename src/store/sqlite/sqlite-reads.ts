import type Database from 'better-sqlite3';
import type { DigestFacts } from '../../domain/digest.js';
import type { Stage } from '../../domain/event.js';
import type { AuditEntry, ExceptionGroup, ExceptionRecord } from '../../domain/exception.js';
import type { NoiseMatch } from '../../domain/noise.js';
import type { StageMark } from '../../domain/rollups.js';
import type { Silence } from '../../domain/silence.js';
import { countByReason } from '../../domain/suppression.js';
import type { TrendRollup } from '../../domain/trends.js';
import type { DueWork, OutboxHealth, SourceActivity } from '../exception-types.js';
import type { FailureSample, RateReadout, RateReadoutInput } from '../noise-types.js';
import { type AuditRow, toAuditEntry } from '../rows/audit-rows.js';
import {
  EVENT_FIELDS,
  type EventFieldValues,
  eventRowOf,
  SQLITE_RAW_IF_OWNER,
  toStoredEvent,
} from '../rows/event-rows.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import type { ActiveSilence, SilenceAuditEntry, SilencedCount, SilencePreview } from '../silence-types.js';
import type { AuditedChange, CartState, ExceptionOverview, WaitingCart } from '../status-types.js';
import type {
  CartHistory,
  DetectionCursor,
  DetectionPage,
  DigestRun,
  StoreHealth,
  WebhookFailure,
} from '../store.js';
import type { TrendRollupInput } from '../trend-types.js';
import { CartHistoryQueries } from './cart-history.js';
import { DueQueries } from './due-queries.js';
import { GroupReader } from './group-reader.js';
import { NoiseQueries } from './noise-queries.js';
import { OperationsQueries } from './operations-queries.js';
import { SilenceQueries } from './silence-queries.js';
import { StatusQueries } from './status-queries.js';
import { TrendQueries } from './trend-queries.js';

/**
 * The SQLite store's reads, on a connection of their own: WAL lets them see every commit already
 * answered, and they never wait for the writer. SqliteStore adds the writes.
 */
export abstract class SqliteReads {
  private readonly q;
  private readonly due: DueQueries;
  private readonly groups: GroupReader;
  private readonly status: StatusQueries;
  private readonly carts: CartHistoryQueries;
  private readonly silences: SilenceQueries;
  private readonly noise: NoiseQueries;
  private readonly trends: TrendQueries;
  private readonly operations: OperationsQueries;
  protected closed = false;

  protected constructor(protected readonly db: Database.Database) {
    this.due = new DueQueries(db);
    this.groups = new GroupReader(db);
    this.status = new StatusQueries(db);
    this.carts = new CartHistoryQueries(db);
    this.silences = new SilenceQueries(db);
    this.noise = new NoiseQueries(db);
    this.trends = new TrendQueries(db);
    this.operations = new OperationsQueries(db);
    this.q = {
      eventsAfter: db
        .prepare<[number, number], EventFieldValues>(
          `SELECT ${EVENT_FIELDS}, ${SQLITE_RAW_IF_OWNER} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
        )
        .raw(),
      liveCounts: db.prepare<[], { team: string; kind: string; count: number }>(
        "SELECT team, kind, count(*) AS count FROM exceptions WHERE state != 'resolved' GROUP BY team, kind ORDER BY team, kind",
      ),
      cursor: db.prepare<[], { value: number }>("SELECT value FROM cursors WHERE name = 'detector'"),
      exception: db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE id = ?'),
      exceptionsOfCart: db.prepare<[string], ExceptionRow>(
        'SELECT * FROM exceptions WHERE cart_id = ? ORDER BY id',
      ),
      audit: db.prepare<[number], AuditRow>(
        'SELECT exception_id, at, actor, action, note FROM exception_audit WHERE exception_id = ? ORDER BY id',
      ),
    };
  }

  async findCartHistory(id: string): Promise<CartHistory | null> {
    return this.carts.find(id);
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      this.db.prepare('SELECT 1').get();
      return { ok: true, detail: 'ok' };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async eventsAfter(cursor: DetectionCursor, limit: number): Promise<DetectionPage> {
    const events = this.q.eventsAfter.all(Number(cursor), limit).map((v) => toStoredEvent(eventRowOf(v)));
    const last = events[events.length - 1];
    return { events, next: last === undefined ? cursor : String(last.seq) };
  }

  async detectionCursor(): Promise<DetectionCursor> {
    return String(this.q.cursor.get()?.value ?? 0);
  }

  async findException(id: number): Promise<ExceptionRecord | null> {
    const row = this.q.exception.get(id);
    return row ? toException(row) : null;
  }

  async exceptionsOfCart(cartId: string): Promise<ExceptionRecord[]> {
    return this.q.exceptionsOfCart.all(cartId).map(toException);
  }

  async auditOf(exceptionId: number): Promise<AuditEntry[]> {
    return this.q.audit.all(exceptionId).map(toAuditEntry);
  }

  async dueWork(now: number, limit: number): Promise<DueWork> {
    return this.due.dueWork(now, limit);
  }

  async backlogOf(stage: Stage): Promise<{ waiting: number; oldestAt?: number }> {
    return this.due.backlogOf(stage);
  }

  async waitingCarts(stage: Stage, limit: number): Promise<WaitingCart[]> {
    return this.due.waitingCarts(stage, limit);
  }

  async sourceActivity(): Promise<Map<string, SourceActivity>> {
    return this.due.sourceActivity();
  }

  async rateReadout(input: RateReadoutInput): Promise<RateReadout> {
    return this.noise.rateReadout(input);
  }

  async failuresSince(since: number): Promise<FailureSample[]> {
    return this.noise.failuresSince(since);
  }

  async suppressedCounts(
    team: string,
    from: number,
    to: number,
  ): Promise<{ reason: string; count: number }[]> {
    return countByReason(this.noise.suppressedOf(team, from, to));
  }

  async cartState(cartId: string): Promise<CartState | undefined> {
    return this.status.cartState(cartId);
  }

  async exceptionOverview(since: number): Promise<ExceptionOverview> {
    return this.status.overview(since);
  }

  async assignedTo(userId: string, limit: number): Promise<ExceptionRecord[]> {
    return this.status.assignedTo(userId, limit);
  }

  async changesOfTeam(team: string, from: number, to: number): Promise<AuditedChange[]> {
    return this.status.changesOfTeam(team, from, to);
  }

  async liveOfTeam(team: string): Promise<ExceptionRecord[]> {
    return this.status.liveOfTeam(team);
  }

  async previousDigest(team: string, beforeLocalDate: string): Promise<DigestFacts | undefined> {
    return this.status.previousDigest(team, beforeLocalDate);
  }

  async digestRunOn(team: string, localDate: string): Promise<DigestRun | undefined> {
    return this.status.digestRunOn(team, localDate);
  }

  async createdAt(): Promise<number> {
    return this.status.createdAt();
  }

  async trendRollup(input: TrendRollupInput): Promise<TrendRollup> {
    return this.trends.rollup(input);
  }

  async stageMarks(cartIds: readonly string[]): Promise<Map<string, StageMark>> {
    return this.trends.stageMarks(cartIds);
  }

  async trendsSince(): Promise<number> {
    return this.trends.since();
  }

  async weeklyDigestRunOn(team: string, isoWeek: string): Promise<DigestRun | undefined> {
    return this.trends.weeklyRunOn(team, isoWeek);
  }

  async liveExceptionCounts(): Promise<{ team: string; kind: string; count: number }[]> {
    return this.q.liveCounts.all();
  }

  async webhookFailures(limit: number): Promise<(WebhookFailure & { id: number })[]> {
    return this.operations.webhookFailures(limit);
  }

  async findGroup(id: number): Promise<ExceptionGroup | null> {
    return this.groups.load(id) ?? null;
  }

  async findSilence(id: number): Promise<Silence | null> {
    return this.silences.find(id);
  }

  async activeSilences(now: number): Promise<ActiveSilence[]> {
    return this.silences.active(now);
  }

  async silenceAudit(id: number): Promise<SilenceAuditEntry[]> {
    return this.silences.audit(id);
  }

  async silencePreview(team: string, match: NoiseMatch, now: number): Promise<SilencePreview> {
    return this.silences.preview(team, match, now);
  }

  async silencedOfTeam(team: string, from: number, to: number): Promise<SilencedCount[]> {
    return this.silences.silencedOfTeam(team, from, to);
  }

  async silenceCounts(now: number) {
    return this.silences.counts(now);
  }

  async outboxHealth(): Promise<OutboxHealth> {
    return this.operations.outboxHealth();
  }
}
