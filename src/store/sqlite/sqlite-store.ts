import type Database from 'better-sqlite3';
import type { DigestFacts } from '../../domain/digest.js';
import { type DuePolicy, NO_DUE_POLICY } from '../../domain/due-policy.js';
import type { Stage } from '../../domain/event.js';
import type { AuditEntry, ExceptionGroup, ExceptionRecord } from '../../domain/exception.js';
import type { NoiseMatch } from '../../domain/noise.js';
import type { StageMark } from '../../domain/rollups.js';
import type { Silence } from '../../domain/silence.js';
import { countByReason } from '../../domain/suppression.js';
import type { TrendRollup } from '../../domain/trends.js';
import type { WeeklyDigestFacts } from '../../domain/weekly.js';
import type {
  ActionInput,
  ActionOutcome,
  DetectionBatch,
  DetectionOutcome,
  DueWork,
  GroupActionInput,
  GroupActionOutcome,
  GroupResolveInput,
  GroupResolveOutcome,
  OutboxHealth,
  OutboxJob,
  ReassignInput,
  SourceActivity,
  SweepBatch,
  SweepOutcome,
} from '../exception-types.js';
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
import type {
  ActiveSilence,
  EndSilenceInput,
  EndSilenceOutcome,
  HoldBackInput,
  NewSilence,
  NoiseSweepInput,
  NoiseSweepOutcome,
  SilenceAuditEntry,
  SilencedCount,
  SilenceOutcome,
  SilencePreview,
  SnoozeInput,
} from '../silence-types.js';
import type { AuditedChange, CartState, ExceptionOverview, WaitingCart } from '../status-types.js';
import type {
  CartHistory,
  DetectionCursor,
  DetectionPage,
  DigestRun,
  EphemeralInput,
  NewEvent,
  RecordOutcome,
  Store,
  StoreHealth,
  WakeTopic,
  WebhookFailure,
} from '../store.js';
import type { TrendRollupInput } from '../trend-types.js';
import { CartHistoryQueries } from './cart-history.js';
import { openDatabase } from './connection.js';
import { DueQueries } from './due-queries.js';
import { GroupReader } from './group-reader.js';
import { LocalWriter } from './local-writer.js';
import { NoiseQueries } from './noise-queries.js';
import { SilenceQueries } from './silence-queries.js';
import { StatusQueries } from './status-queries.js';
import { TrendQueries } from './trend-queries.js';

/**
 * The SQLite store: reads on a connection of their own (WAL lets them see every commit already
 * answered), writes through the local writer on another, one transaction each.
 */
export class SqliteStore implements Store {
  private readonly q;
  private readonly due: DueQueries;
  private readonly groups: GroupReader;
  private readonly status: StatusQueries;
  private readonly carts: CartHistoryQueries;
  private readonly silences: SilenceQueries;
  private readonly noise: NoiseQueries;
  private readonly trends: TrendQueries;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly writer: LocalWriter,
  ) {
    this.due = new DueQueries(db);
    this.groups = new GroupReader(db);
    this.status = new StatusQueries(db);
    this.carts = new CartHistoryQueries(db);
    this.silences = new SilenceQueries(db);
    this.noise = new NoiseQueries(db);
    this.trends = new TrendQueries(db);
    this.q = {
      eventsAfter: db
        .prepare<[number, number], EventFieldValues>(
          `SELECT ${EVENT_FIELDS}, ${SQLITE_RAW_IF_OWNER} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
        )
        .raw(),
      webhookFailures: db.prepare<
        [number],
        { id: number; platform: string; topic: string; reason: string; raw: string; received_at: number }
      >('SELECT * FROM webhook_failures ORDER BY id DESC LIMIT ?'),
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
      // Each count walks its own partial index: sent rows, however many, are never read.
      outboxPending: db.prepare<[], { n: number; oldest: number | null }>(
        "SELECT count(*) AS n, min(due_at) AS oldest FROM outbox WHERE state = 'pending'",
      ),
      outboxFailed: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox WHERE state = 'failed'"),
      lastOutboxError: db.prepare<[], { last_error: string }>(
        "SELECT last_error FROM outbox WHERE state = 'failed' ORDER BY id DESC LIMIT 1",
      ),
    };
  }

  /**
   * Opens (migrating here, so a schema problem surfaces at once) and the writer. `now` is the
   * opener's clock: a new file records it as when the database began; `lockWaitMs` how long a write
   * waits out another process's lock (LOCK_WAIT_MS unless a test says).
   */
  static open(
    file: string,
    policy: DuePolicy = NO_DUE_POLICY,
    options: { now?: number; lockWaitMs?: number } = {},
  ): SqliteStore {
    const db = openDatabase(file, options);
    return new SqliteStore(db, new LocalWriter(file, policy, options.lockWaitMs));
  }

  recordEvents(batch: readonly NewEvent[], options: { receivedAt: number }): Promise<RecordOutcome> {
    if (batch.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    return this.writer.record({ batch, receivedAt: options.receivedAt });
  }

  async findCartHistory(id: string): Promise<CartHistory | null> {
    return this.carts.find(id);
  }

  pruneBefore(cutoff: number, options: { limit: number }): Promise<number> {
    return this.writer.call('pruneBefore', { cutoff, limit: options.limit });
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

  applyDetection(batch: DetectionBatch): Promise<DetectionOutcome> {
    return this.writer.call('applyDetection', batch);
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

  applyAction(input: ActionInput): Promise<ActionOutcome> {
    return this.writer.call('applyAction', input);
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

  pruneNoiseCounts(cutoff: number): Promise<number> {
    return this.writer.call('pruneNoiseCounts', cutoff);
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

  recordDigest(input: {
    team: string;
    localDate: string;
    channel: string;
    facts: DigestFacts;
    at: number;
    post: boolean;
  }): Promise<boolean> {
    return this.writer.call('recordDigest', input);
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

  recordWeeklyDigest(input: {
    team: string;
    isoWeek: string;
    channel: string;
    facts: WeeklyDigestFacts;
    at: number;
    post: boolean;
  }): Promise<boolean> {
    return this.writer.call('recordWeeklyDigest', input);
  }

  async liveExceptionCounts(): Promise<{ team: string; kind: string; count: number }[]> {
    return this.q.liveCounts.all();
  }

  /** Test seam (SQLite only): simulate a full disk by capping the writer's pages; see SqliteWriter. */
  setPageLimit(pages: number): Promise<void> {
    return this.writer.call('setPageLimit', pages);
  }

  pageCount(): Promise<number> {
    return this.writer.call('pageCount');
  }

  recordWebhookFailure(input: WebhookFailure): Promise<void> {
    return this.writer.call('recordWebhookFailure', input);
  }

  async webhookFailures(limit: number): Promise<(WebhookFailure & { id: number })[]> {
    return this.q.webhookFailures.all(limit).map((row) => ({
      id: row.id,
      platform: row.platform as WebhookFailure['platform'],
      topic: row.topic,
      reason: row.reason,
      raw: row.raw,
      receivedAt: row.received_at,
    }));
  }

  acknowledgeGroup(input: GroupActionInput): Promise<GroupActionOutcome> {
    return this.writer.call('acknowledgeGroup', input);
  }

  resolveGroup(input: GroupResolveInput): Promise<GroupResolveOutcome> {
    return this.writer.call('resolveGroup', input);
  }

  async findGroup(id: number): Promise<ExceptionGroup | null> {
    return this.groups.load(id) ?? null;
  }

  applySweep(batch: SweepBatch): Promise<SweepOutcome> {
    return this.writer.call('applySweep', batch);
  }

  applyReassign(input: ReassignInput): Promise<ActionOutcome> {
    return this.writer.call('applyReassign', input);
  }

  enqueueEphemeral(input: EphemeralInput): Promise<void> {
    return this.writer.call('enqueueEphemeral', input);
  }

  createSilence(input: NewSilence): Promise<SilenceOutcome> {
    return this.writer.call('createSilence', input);
  }

  endSilence(input: EndSilenceInput): Promise<EndSilenceOutcome> {
    return this.writer.call('endSilence', input);
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

  snoozeException(input: SnoozeInput): Promise<ActionOutcome> {
    return this.writer.call('snoozeException', input);
  }

  sweepNoise(input: NoiseSweepInput): Promise<NoiseSweepOutcome> {
    return this.writer.call('sweepNoise', input);
  }

  holdBackDue(input: HoldBackInput): Promise<void> {
    return this.writer.call('holdBackDue', input);
  }

  claimOutbox(input: {
    now: number;
    limit: number;
    leaseMs: number;
    pacedChannels?: string[];
  }): Promise<OutboxJob[]> {
    return this.writer.call('claimOutbox', input);
  }

  completeOutbox(input: { id: number; at: number; ts?: string }): Promise<void> {
    return this.writer.call('completeOutbox', input);
  }

  retryOutbox(input: { id: number; dueAt: number; error: string; inDoubt?: boolean }): Promise<void> {
    return this.writer.call('retryOutbox', input);
  }

  releaseAbandonedOutbox(): Promise<number> {
    return this.writer.call('releaseAbandonedOutbox');
  }

  releaseOutbox(input: { id: number }): Promise<void> {
    return this.writer.call('releaseOutbox', input);
  }

  failOutbox(input: { id: number; error: string }): Promise<void> {
    return this.writer.call('failOutbox', input);
  }

  async outboxHealth(): Promise<OutboxHealth> {
    const pending = this.q.outboxPending.get() ?? { n: 0, oldest: null };
    const failed = this.q.outboxFailed.get()?.n ?? 0;
    const health: OutboxHealth = { pending: pending.n, failed };
    if (pending.oldest !== null) health.oldestPendingDueAt = pending.oldest;
    const last = failed > 0 ? this.q.lastOutboxError.get() : undefined;
    if (last) health.lastError = last.last_error;
    return health;
  }

  backupTo(file: string): Promise<void> {
    return this.writer.call('backupTo', file);
  }

  /** One process owns the file, and its own commits wake it already: nobody else to hear from. */
  subscribe(_topic: WakeTopic, _listener: () => void): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    this.db.close();
  }
}
