import type { DigestFacts } from '../../domain/digest.js';
import type { DuePolicy } from '../../domain/due-policy.js';
import { NO_DUE_POLICY } from '../../domain/due-policy.js';
import type { AuditEntry, ExceptionGroup, ExceptionRecord } from '../../domain/exception.js';
import type { NoiseMatch } from '../../domain/noise.js';
import type { FailureSample } from '../../domain/rates.js';
import type { StageMark } from '../../domain/rollups.js';
import type { Silence } from '../../domain/silence.js';
import type { TrendRollup } from '../../domain/trends.js';
import type {
  ActionInput,
  ActionOutcome,
  DetectionBatch,
  DetectionOutcome,
  GroupActionInput,
  GroupActionOutcome,
  GroupResolveInput,
  GroupResolveOutcome,
  ReassignInput,
} from '../exception-types.js';
import type { RateReadout, RateReadoutInput } from '../noise-types.js';
import type {
  ActiveSilence,
  EndSilenceInput,
  EndSilenceOutcome,
  NewSilence,
  NoiseSweepInput,
  NoiseSweepOutcome,
  SilenceAuditEntry,
  SilencedCount,
  SilenceOutcome,
  SilencePreview,
  SnoozeInput,
} from '../silence-types.js';
import type { AuditedChange, CartState, ExceptionOverview } from '../status-types.js';
import type {
  CartHistory,
  DetectionCursor,
  DetectionPage,
  DigestRun,
  NewEvent,
  RecordOutcome,
  Store,
  StoreHealth,
  WakeTopic,
  WebhookFailure,
} from '../store.js';
import type { TrendRollupInput } from '../trend-types.js';
import { connect, migrate, type Sql } from './connection.js';
import { EventLog } from './event-log.js';
import { Exceptions } from './exceptions.js';
import { NoiseOperations } from './noise-operations.js';
import { Reports } from './reports.js';
import { SweepsAndOutbox } from './sweeps-and-outbox.js';
import { WakeUps } from './wake-ups.js';

export interface PostgresStoreOptions {
  /** The opener's clock: a new database records it as when it began. */
  now?: number;
  /** This instance's name (leases, logs, metrics); defaults to host and pid. */
  instance?: string;
  /** Connections in this instance's pool. */
  poolSize?: number;
}

/**
 * The Postgres store: several Cartwatch instances may share one database. Each operation is one
 * transaction on the pool; the decisions it makes are the domain's, shared with the SQLite store,
 * and only the SQL differs.
 */
export class PostgresStore implements Store {
  private readonly events: EventLog;
  private readonly exceptions: Exceptions;
  private readonly noise: NoiseOperations;
  private readonly sweeps: SweepsAndOutbox;
  private readonly wakeUps: WakeUps;
  private readonly reports: Reports;

  private constructor(
    readonly sql: Sql,
    readonly policy: DuePolicy,
    readonly instance: string,
  ) {
    this.events = new EventLog(sql, policy, instance);
    this.exceptions = new Exceptions(sql, policy);
    this.noise = new NoiseOperations(sql, policy, instance);
    this.sweeps = new SweepsAndOutbox(sql, policy, instance);
    this.wakeUps = new WakeUps(sql);
    this.reports = new Reports(sql);
  }

  static async open(
    url: string,
    policy: DuePolicy = NO_DUE_POLICY,
    options: PostgresStoreOptions = {},
  ): Promise<PostgresStore> {
    const sql = connect(url, { max: options.poolSize ?? 10 });
    try {
      await migrate(sql, options.now);
    } catch (error) {
      await sql.end({ timeout: 1 });
      throw error;
    }
    return new PostgresStore(sql, policy, options.instance ?? defaultInstanceName());
  }

  // --- eventlog ---
  recordEvents(batch: readonly NewEvent[], options: { receivedAt: number }): Promise<RecordOutcome> {
    return this.events.recordEvents(batch, options);
  }
  findCartHistory(id: string): Promise<CartHistory | null> {
    return this.events.findCartHistory(id);
  }
  pruneBefore(cutoff: number, options: { limit: number }): Promise<number> {
    return this.events.pruneBefore(cutoff, options);
  }
  health(): Promise<StoreHealth> {
    return this.events.health();
  }
  eventsAfter(cursor: DetectionCursor, limit: number): Promise<DetectionPage> {
    return this.events.eventsAfter(cursor, limit);
  }
  detectionCursor(): Promise<DetectionCursor> {
    return this.events.detectionCursor();
  }
  recordWebhookFailure(input: WebhookFailure): Promise<void> {
    return this.events.recordWebhookFailure(input);
  }
  webhookFailures(limit: number): Promise<(WebhookFailure & { id: number })[]> {
    return this.events.webhookFailures(limit);
  }
  createdAt(): Promise<number> {
    return this.events.createdAt();
  }
  backupTo(file: string): Promise<void> {
    return this.events.backupTo(file);
  }

  // --- exceptions ---
  applyDetection(batch: DetectionBatch): Promise<DetectionOutcome> {
    return this.exceptions.applyDetection(batch);
  }
  findException(id: number): Promise<ExceptionRecord | null> {
    return this.exceptions.findException(id);
  }
  exceptionsOfCart(cartId: string): Promise<ExceptionRecord[]> {
    return this.exceptions.exceptionsOfCart(cartId);
  }
  auditOf(exceptionId: number): Promise<AuditEntry[]> {
    return this.exceptions.auditOf(exceptionId);
  }
  applyAction(input: ActionInput): Promise<ActionOutcome> {
    return this.exceptions.applyAction(input);
  }
  acknowledgeGroup(input: GroupActionInput): Promise<GroupActionOutcome> {
    return this.exceptions.acknowledgeGroup(input);
  }
  resolveGroup(input: GroupResolveInput): Promise<GroupResolveOutcome> {
    return this.exceptions.resolveGroup(input);
  }
  findGroup(id: number): Promise<ExceptionGroup | null> {
    return this.exceptions.findGroup(id);
  }
  applyReassign(input: ReassignInput): Promise<ActionOutcome> {
    return this.exceptions.applyReassign(input);
  }
  snoozeException(input: SnoozeInput): Promise<ActionOutcome> {
    return this.noise.snoozeException(input);
  }

  // --- sweeps ---
  dueWork(...args: Parameters<Store['dueWork']>) {
    return this.sweeps.dueWork(...args);
  }
  backlogOf(...args: Parameters<Store['backlogOf']>) {
    return this.sweeps.backlogOf(...args);
  }
  waitingCarts(...args: Parameters<Store['waitingCarts']>) {
    return this.sweeps.waitingCarts(...args);
  }
  sourceActivity() {
    return this.sweeps.sourceActivity();
  }
  applySweep(...args: Parameters<Store['applySweep']>) {
    return this.sweeps.applySweep(...args);
  }
  holdBackDue(...args: Parameters<Store['holdBackDue']>) {
    return this.sweeps.holdBackDue(...args);
  }

  // --- outbox ---
  claimOutbox(...args: Parameters<Store['claimOutbox']>) {
    return this.sweeps.claimOutbox(...args);
  }
  completeOutbox(...args: Parameters<Store['completeOutbox']>) {
    return this.sweeps.completeOutbox(...args);
  }
  retryOutbox(...args: Parameters<Store['retryOutbox']>) {
    return this.sweeps.retryOutbox(...args);
  }
  releaseAbandonedOutbox() {
    return this.sweeps.releaseAbandonedOutbox();
  }
  releaseOutbox(...args: Parameters<Store['releaseOutbox']>) {
    return this.sweeps.releaseOutbox(...args);
  }
  failOutbox(...args: Parameters<Store['failOutbox']>) {
    return this.sweeps.failOutbox(...args);
  }
  outboxHealth() {
    return this.sweeps.outboxHealth();
  }
  enqueueEphemeral(...args: Parameters<Store['enqueueEphemeral']>) {
    return this.sweeps.enqueueEphemeral(...args);
  }

  // --- noise ---
  rateReadout(input: RateReadoutInput): Promise<RateReadout> {
    return this.noise.rateReadout(input);
  }
  failuresSince(since: number): Promise<FailureSample[]> {
    return this.noise.failuresSince(since);
  }
  suppressedCounts(team: string, from: number, to: number): Promise<{ reason: string; count: number }[]> {
    return this.noise.suppressedCounts(team, from, to);
  }
  pruneNoiseCounts(cutoff: number): Promise<number> {
    return this.noise.pruneNoiseCounts(cutoff);
  }
  createSilence(input: NewSilence): Promise<SilenceOutcome> {
    return this.noise.createSilence(input);
  }
  endSilence(input: EndSilenceInput): Promise<EndSilenceOutcome> {
    return this.noise.endSilence(input);
  }
  findSilence(id: number): Promise<Silence | null> {
    return this.noise.findSilence(id);
  }
  activeSilences(now: number): Promise<ActiveSilence[]> {
    return this.noise.activeSilences(now);
  }
  silenceAudit(id: number): Promise<SilenceAuditEntry[]> {
    return this.noise.silenceAudit(id);
  }
  silencePreview(team: string, match: NoiseMatch, now: number): Promise<SilencePreview> {
    return this.noise.silencePreview(team, match, now);
  }
  silencedOfTeam(team: string, from: number, to: number): Promise<SilencedCount[]> {
    return this.noise.silencedOfTeam(team, from, to);
  }
  silenceCounts(now: number) {
    return this.noise.silenceCounts(now);
  }
  sweepNoise(input: NoiseSweepInput): Promise<NoiseSweepOutcome> {
    return this.noise.sweepNoise(input);
  }

  // --- reports ---
  cartState(cartId: string): Promise<CartState | undefined> {
    return this.reports.status.cartState(cartId);
  }
  exceptionOverview(since: number): Promise<ExceptionOverview> {
    return this.reports.status.overview(since);
  }
  assignedTo(userId: string, limit: number): Promise<ExceptionRecord[]> {
    return this.reports.status.assignedTo(userId, limit);
  }
  changesOfTeam(team: string, from: number, to: number): Promise<AuditedChange[]> {
    return this.reports.status.changesOfTeam(team, from, to);
  }
  liveOfTeam(team: string): Promise<ExceptionRecord[]> {
    return this.reports.status.liveOfTeam(team);
  }
  digestRunOn(team: string, localDate: string): Promise<DigestRun | undefined> {
    return this.reports.status.digestRunOn(team, localDate);
  }
  previousDigest(team: string, beforeLocalDate: string): Promise<DigestFacts | undefined> {
    return this.reports.status.previousDigest(team, beforeLocalDate);
  }
  recordDigest(input: Parameters<Store['recordDigest']>[0]): Promise<boolean> {
    return this.reports.digests.recordDigest(input);
  }
  trendRollup(input: TrendRollupInput): Promise<TrendRollup> {
    return this.reports.trends.rollup(input);
  }
  stageMarks(cartIds: readonly string[]): Promise<Map<string, StageMark>> {
    return this.reports.trends.stageMarks(cartIds);
  }
  trendsSince(): Promise<number> {
    return this.reports.trends.since();
  }
  weeklyDigestRunOn(team: string, isoWeek: string): Promise<DigestRun | undefined> {
    return this.reports.trends.weeklyRunOn(team, isoWeek);
  }
  recordWeeklyDigest(input: Parameters<Store['recordWeeklyDigest']>[0]): Promise<boolean> {
    return this.reports.digests.recordWeeklyDigest(input);
  }
  liveExceptionCounts(): Promise<{ team: string; kind: string; count: number }[]> {
    return this.reports.status.liveExceptionCounts();
  }
  subscribe(topic: WakeTopic, listener: () => void): () => void {
    return this.wakeUps.subscribe(topic, listener);
  }
  async close(): Promise<void> {
    await this.events.drained();
    await this.sql.end({ timeout: 5 });
  }
}

function defaultInstanceName(): string {
  return `${process.env.HOSTNAME ?? 'cartwatch'}-${process.pid}`;
}
