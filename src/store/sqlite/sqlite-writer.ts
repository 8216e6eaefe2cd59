import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
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
import type { RecordJob } from '../shared/record-plan.js';
import { IDLE_CART_CLASSES, lastMadeBefore } from '../shared/retention.js';
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
  RecordOutcome,
  WebhookFailure,
  WeeklyDigestRun,
} from '../store.js';
import { ActionWriter } from './action-writer.js';
import { DigestRunWriter } from './digest-run-writer.js';
import { EventWriter } from './event-writer.js';
import { ExceptionWriter } from './exception-writer.js';
import { OutboxSender } from './outbox-sender.js';
import { OutboxWriter } from './outbox-writer.js';
import { SilenceWriter } from './silence-writer.js';
import { SweepWriter } from './sweep-writer.js';
import { writeTransaction } from './write-transaction.js';

export type { RecordJob };

/**
 * Every write the store makes, synchronously, on the connection it owns; local-writer.ts queues
 * the calls, groups concurrent ingest into one commit and waits out other processes' locks.
 */
export class SqliteWriter {
  private readonly recordAll: (jobs: readonly RecordJob[]) => RecordOutcome[];
  private readonly statements;
  private readonly exceptions: ExceptionWriter;
  private readonly actions: ActionWriter;
  private readonly sweeps: SweepWriter;
  private readonly outbox: OutboxWriter;
  private readonly sender: OutboxSender;
  private readonly silences: SilenceWriter;
  private readonly digests: DigestRunWriter;

  constructor(
    private readonly db: Database.Database,
    policy: DuePolicy,
  ) {
    const events = new EventWriter(db, policy);
    this.exceptions = new ExceptionWriter(db, policy);
    this.actions = new ActionWriter(db, policy, this.exceptions);
    this.sweeps = new SweepWriter(db, this.exceptions, policy);
    this.outbox = new OutboxWriter(db);
    this.sender = new OutboxSender(db);
    this.silences = new SilenceWriter(db, this.exceptions, policy);
    this.digests = new DigestRunWriter(db, this.outbox);
    this.recordAll = writeTransaction(db, (jobs: readonly RecordJob[]) =>
      jobs.map((job) => events.write(job.batch, job.receivedAt)),
    );
    this.statements = {
      oldestEvents: db.prepare<[number], { seq: number; received_at: number }>(
        'SELECT seq, received_at FROM events ORDER BY seq LIMIT ?',
      ),
      deleteEventsUpTo: db.prepare('DELETE FROM events WHERE seq <= ?'),
      idleCarts: db.prepare<[string, string, number, number], { cart_id: string }>(
        'SELECT cart_id FROM carts WHERE stage = ? AND status = ? AND last_progress_at < ? LIMIT ?',
      ),
      deleteCart: db.prepare('DELETE FROM carts WHERE cart_id = ?'),
      webhookFailure: db.prepare(
        'INSERT INTO webhook_failures (platform, topic, reason, raw, received_at) VALUES (?, ?, ?, ?, ?)',
      ),
      oldestOutbox: db.prepare<[number], { id: number; created_at: number }>(
        'SELECT id, created_at FROM outbox ORDER BY id LIMIT ?',
      ),
      deleteDoneOutboxUpTo: db.prepare(
        "DELETE FROM outbox WHERE id <= ? AND state IN ('sent', 'superseded')",
      ),
      deleteLinksOfCart: db.prepare('DELETE FROM correlation_links WHERE cart_id = ?'),
      deleteAliasesBefore: db.prepare(`DELETE FROM key_aliases WHERE (alias, key_kind, key_value) IN
        (SELECT alias, key_kind, key_value FROM key_aliases WHERE recorded_at < ? LIMIT ?)`),
    };
  }

  /** Records several callers' batches in one transaction (group commit); one outcome per job. */
  recordGroup(jobs: readonly RecordJob[]): RecordOutcome[] {
    return this.recordAll(jobs);
  }

  pruneBefore(input: { cutoff: number; limit: number }): number {
    const { cutoff, limit } = input;
    const s = this.statements;
    // Rows are received in seq order, so the oldest are at the front: the cost is what gets deleted.
    const lastOld = lastMadeBefore(s.oldestEvents.all(limit), cutoff, (row) => row.received_at)?.seq;
    const lastOldOutbox = lastMadeBefore(s.oldestOutbox.all(limit), cutoff, (row) => row.created_at)?.id;
    return writeTransaction(this.db, () => {
      const deleted = lastOld === undefined ? 0 : s.deleteEventsUpTo.run(lastOld).changes;
      // Sent Slack writes past retention go too; pending and failed ones stay.
      if (lastOldOutbox !== undefined) s.deleteDoneOutboxUpTo.run(lastOldOutbox);
      // An alias goes with the last event that carried it: what a person holds is found as long as that is.
      s.deleteAliasesBefore.run(cutoff, limit);
      // Trends' hourly roll-ups go with the events they summed.
      this.exceptions.trends.pruneBefore(cutoff);
      for (const { stage, status } of IDLE_CART_CLASSES) {
        for (const { cart_id } of s.idleCarts.all(stage, status, cutoff, limit)) {
          s.deleteCart.run(cart_id);
          s.deleteLinksOfCart.run(cart_id);
          this.exceptions.trends.forgetCart(cart_id);
        }
      }
      return deleted;
    })();
  }

  pruneNoiseCounts(cutoff: number): number {
    return writeTransaction(this.db, () => this.exceptions.noise.pruneBefore(cutoff))();
  }

  applyDetection(batch: DetectionBatch): DetectionOutcome {
    return this.exceptions.applyDetection(batch);
  }

  applyAction(input: ActionInput): ActionOutcome {
    return this.actions.applyAction(input);
  }

  /** Records the team's digest for its local date with its outbox row; false if that day's already ran. */
  recordDigest(run: DailyDigestRun): boolean {
    return this.digests.daily(run);
  }

  /** Records the team's weekly digest for its ISO week with its outbox row; false if that week's already ran. */
  recordWeeklyDigest(run: WeeklyDigestRun): boolean {
    return this.digests.weekly(run);
  }

  /**
   * Caps the file at `pages` pages on this (the writing) connection: how tests make the disk "full"
   * without filling one. SQLite then refuses writes with SQLITE_FULL, as on a full disk.
   */
  setPageLimit(pages: number): void {
    this.db.pragma(`max_page_count = ${Math.max(1, Math.floor(pages))}`);
  }

  /** Pages the file uses now. */
  pageCount(): number {
    return this.db.pragma('page_count', { simple: true }) as number;
  }

  recordWebhookFailure(input: WebhookFailure): void {
    this.statements.webhookFailure.run(
      input.platform,
      input.topic,
      input.reason,
      input.raw,
      input.receivedAt,
    );
  }

  acknowledgeGroup(input: GroupActionInput): GroupActionOutcome {
    return this.actions.acknowledgeGroup(input);
  }

  resolveGroup(input: GroupResolveInput): GroupResolveOutcome {
    return this.actions.resolveGroup(input);
  }

  applySweep(batch: SweepBatch): SweepOutcome {
    return this.sweeps.apply(batch);
  }

  applyReassign(input: ReassignInput): ActionOutcome {
    return this.actions.applyReassign(input);
  }

  enqueueEphemeral(input: EphemeralInput): void {
    this.actions.enqueueEphemeral(input);
  }

  createSilence(input: NewSilence): SilenceOutcome {
    return this.silences.create(input);
  }

  endSilence(input: EndSilenceInput): EndSilenceOutcome {
    return this.silences.end(input);
  }

  snoozeException(input: SnoozeInput): ActionOutcome {
    return this.silences.snoozes.snooze(input);
  }

  sweepNoise(input: NoiseSweepInput): NoiseSweepOutcome {
    return this.silences.sweep(input);
  }

  holdBackDue(input: HoldBackInput): void {
    this.silences.holdBack(input);
  }

  claimOutbox(input: ClaimOutboxInput): OutboxJob[] {
    return this.sender.claim(input);
  }

  completeOutbox(input: { id: number; at: number; ts?: string }): void {
    this.sender.complete(input.id, input.at, input.ts);
  }

  retryOutbox(input: { id: number; dueAt: number; error: string; inDoubt?: boolean }): void {
    this.sender.retry(input.id, input.dueAt, input.error, input.inDoubt ?? false);
  }

  releaseAbandonedOutbox(): number {
    return this.sender.releaseAbandoned();
  }

  releaseOutbox(input: { id: number }): void {
    this.sender.release(input.id);
  }

  failOutbox(input: { id: number; error: string }): void {
    this.sender.fail(input.id, input.error);
  }

  async backupTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  close(): void {
    this.db.close();
  }
}
