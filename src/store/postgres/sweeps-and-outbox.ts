import type { DuePolicy } from '../../domain/due-policy.js';
import type { Stage } from '../../domain/event.js';
import type {
  DueWork,
  OutboxHealth,
  OutboxJob,
  SourceActivity,
  SweepBatch,
  SweepOutcome,
} from '../exception-types.js';
import type { HoldBackInput } from '../silence-types.js';
import type { WaitingCart } from '../status-types.js';
import type { ClaimOutboxInput, EphemeralInput, Fenced } from '../store.js';
import { type Sql, transaction } from './connection.js';
import { DueQueries } from './due-queries.js';
import { ExceptionWriter } from './exception-writer.js';
import { NoiseWriter } from './noise-writer.js';
import { OutboxSender } from './outbox-sender.js';
import { SweepWriter } from './sweep-writer.js';
import { TrendWriter } from './trend-writer.js';

/**
 * The Postgres store's due-time sweeps and its Slack outbox sender, behind the store's operations of
 * those areas: due reads, applying a sweep, holding due checks back, and claiming and settling outbox
 * rows under per-channel leases.
 */
export class SweepsAndOutbox {
  private readonly due: DueQueries;
  private readonly sweeps: SweepWriter;
  private readonly sender: OutboxSender;
  private readonly exceptions: ExceptionWriter;

  constructor(
    private readonly sql: Sql,
    policy: DuePolicy,
    instance: string,
  ) {
    this.due = new DueQueries(sql);
    this.exceptions = new ExceptionWriter(policy);
    const writers = {
      exceptions: this.exceptions,
      noise: new NoiseWriter(this.exceptions),
      trends: new TrendWriter(),
    };
    this.sweeps = new SweepWriter(sql, writers, policy);
    this.sender = new OutboxSender(sql, instance);
  }

  dueWork(now: number, limit: number): Promise<DueWork> {
    return this.due.dueWork(now, limit);
  }
  backlogOf(stage: Stage): Promise<{ waiting: number; oldestAt?: number }> {
    return this.due.backlogOf(stage);
  }
  waitingCarts(stage: Stage, limit: number): Promise<WaitingCart[]> {
    return this.due.waitingCarts(stage, limit);
  }
  sourceActivity(): Promise<Map<string, SourceActivity>> {
    return this.due.sourceActivity();
  }
  applySweep(batch: SweepBatch): Promise<SweepOutcome> {
    return this.sweeps.apply(batch);
  }
  holdBackDue(input: HoldBackInput): Promise<void> {
    return this.sweeps.holdBack(input);
  }

  claimOutbox(input: ClaimOutboxInput): Promise<OutboxJob[]> {
    return this.sender.claim(input);
  }
  completeOutbox(input: { id: number; at: number; ts?: string } & Fenced): Promise<void> {
    return this.sender.complete(input);
  }
  retryOutbox(
    input: { id: number; dueAt: number; error: string; inDoubt?: boolean } & Fenced,
  ): Promise<void> {
    return this.sender.retry(input);
  }
  releaseAbandonedOutbox(): Promise<number> {
    return this.sender.releaseAbandoned();
  }
  releaseOutbox(input: { id: number } & Fenced): Promise<void> {
    return this.sender.release(input);
  }
  failOutbox(input: { id: number; error: string } & Fenced): Promise<void> {
    return this.sender.fail(input);
  }
  outboxHealth(): Promise<OutboxHealth> {
    return this.sender.health();
  }
  enqueueEphemeral(input: EphemeralInput): Promise<void> {
    return transaction(this.sql, (tx) => this.exceptions.outbox.ephemeral(tx, input));
  }
}
