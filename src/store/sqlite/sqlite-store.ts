import type Database from 'better-sqlite3';
import { type DuePolicy, NO_DUE_POLICY } from '../../domain/due-policy.js';
import type {
  ActionInput,
  ActionOutcome,
  DetectionBatch,
  DetectionOutcome,
  GroupActionInput,
  GroupActionOutcome,
  GroupResolveInput,
  GroupResolveOutcome,
  OutboxJob,
  ReassignInput,
  SweepBatch,
  SweepOutcome,
} from '../exception-types.js';
import type {
  EndSilenceInput,
  EndSilenceOutcome,
  HoldBackInput,
  NewSilence,
  NoiseSweepInput,
  NoiseSweepOutcome,
  SilenceOutcome,
  SnoozeInput,
} from '../silence-types.js';
import type {
  ClaimOutboxInput,
  DailyDigestRun,
  EphemeralInput,
  NewEvent,
  RecordOutcome,
  Store,
  WakeTopic,
  WebhookFailure,
  WeeklyDigestRun,
} from '../store.js';
import { openDatabase } from './connection.js';
import { LocalWriter } from './local-writer.js';
import { SqliteReads } from './sqlite-reads.js';

/**
 * The SQLite store: reads on a connection of their own (SqliteReads), writes through the local
 * writer on another, one transaction each.
 */
export class SqliteStore extends SqliteReads implements Store {
  private constructor(
    db: Database.Database,
    private readonly writer: LocalWriter,
  ) {
    super(db);
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

  pruneBefore(cutoff: number, options: { limit: number }): Promise<number> {
    return this.writer.call('pruneBefore', { cutoff, limit: options.limit });
  }

  applyDetection(batch: DetectionBatch): Promise<DetectionOutcome> {
    return this.writer.call('applyDetection', batch);
  }

  applyAction(input: ActionInput): Promise<ActionOutcome> {
    return this.writer.call('applyAction', input);
  }

  pruneNoiseCounts(cutoff: number): Promise<number> {
    return this.writer.call('pruneNoiseCounts', cutoff);
  }

  recordDigest(input: DailyDigestRun): Promise<boolean> {
    return this.writer.call('recordDigest', input);
  }

  recordWeeklyDigest(input: WeeklyDigestRun): Promise<boolean> {
    return this.writer.call('recordWeeklyDigest', input);
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

  acknowledgeGroup(input: GroupActionInput): Promise<GroupActionOutcome> {
    return this.writer.call('acknowledgeGroup', input);
  }

  resolveGroup(input: GroupResolveInput): Promise<GroupResolveOutcome> {
    return this.writer.call('resolveGroup', input);
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

  snoozeException(input: SnoozeInput): Promise<ActionOutcome> {
    return this.writer.call('snoozeException', input);
  }

  sweepNoise(input: NoiseSweepInput): Promise<NoiseSweepOutcome> {
    return this.writer.call('sweepNoise', input);
  }

  holdBackDue(input: HoldBackInput): Promise<void> {
    return this.writer.call('holdBackDue', input);
  }

  claimOutbox(input: ClaimOutboxInput): Promise<OutboxJob[]> {
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
