import type Database from 'better-sqlite3';
import type { OutboxHealth } from '../exception-types.js';
import type { WebhookFailure } from '../store.js';

/** What an operator checks on Cartwatch itself: the outbox's state and webhooks kept as invalid. */
export class OperationsQueries {
  private readonly q;

  constructor(db: Database.Database) {
    this.q = {
      webhookFailures: db.prepare<
        [number],
        { id: number; platform: string; topic: string; reason: string; raw: string; received_at: number }
      >('SELECT * FROM webhook_failures ORDER BY id DESC LIMIT ?'),
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

  webhookFailures(limit: number): (WebhookFailure & { id: number })[] {
    return this.q.webhookFailures.all(limit).map((row) => ({
      id: row.id,
      platform: row.platform as WebhookFailure['platform'],
      topic: row.topic,
      reason: row.reason,
      raw: row.raw,
      receivedAt: row.received_at,
    }));
  }

  outboxHealth(): OutboxHealth {
    const pending = this.q.outboxPending.get() ?? { n: 0, oldest: null };
    const failed = this.q.outboxFailed.get()?.n ?? 0;
    const health: OutboxHealth = { pending: pending.n, failed };
    if (pending.oldest !== null) health.oldestPendingDueAt = pending.oldest;
    const last = failed > 0 ? this.q.lastOutboxError.get() : undefined;
    if (last) health.lastError = last.last_error;
    return health;
  }
}
