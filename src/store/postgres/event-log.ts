import type { DuePolicy } from '../../domain/due-policy.js';
import { CartwatchError } from '../../errors.js';
import type {
  CartHistory,
  DetectionCursor,
  DetectionPage,
  NewEvent,
  RecordOutcome,
  StoreHealth,
  WebhookFailure,
} from '../store.js';
import { CartHistoryQueries } from './cart-history.js';
import type { Sql } from './connection.js';
import { EventFeed } from './event-feed.js';
import { EventRecorder } from './event-recorder.js';
import { Retention } from './retention.js';

/** How long /healthz waits for the database before calling it down. */
const HEALTH_TIMEOUT_MS = 2_000;

/**
 * The event log on Postgres: ingest (group commit), the detector's feed, cart histories, retention,
 * kept webhook failures, and the database's own facts. PostgresStore delegates these here.
 */
export class EventLog {
  private readonly recorder: EventRecorder;
  private readonly feed: EventFeed;
  private readonly carts: CartHistoryQueries;
  private readonly retention: Retention;

  constructor(
    private readonly sql: Sql,
    policy: DuePolicy,
    readonly instance: string,
  ) {
    this.recorder = new EventRecorder(sql, policy);
    this.feed = new EventFeed(sql);
    this.carts = new CartHistoryQueries(sql);
    this.retention = new Retention(sql);
  }

  recordEvents(batch: readonly NewEvent[], options: { receivedAt: number }): Promise<RecordOutcome> {
    return this.recorder.record(batch, options.receivedAt);
  }

  findCartHistory(id: string): Promise<CartHistory | null> {
    return this.carts.find(id);
  }

  pruneBefore(cutoff: number, options: { limit: number }): Promise<number> {
    return this.retention.pruneBefore(cutoff, options.limit);
  }

  eventsAfter(cursor: DetectionCursor, limit: number): Promise<DetectionPage> {
    return this.feed.eventsAfter(cursor, limit);
  }

  detectionCursor(): Promise<DetectionCursor> {
    return this.feed.detectionCursor();
  }

  async health(): Promise<StoreHealth> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)),
        HEALTH_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.sql`SELECT 1`, timeout]);
      return { ok: true, detail: 'ok' };
    } catch (error) {
      return { ok: false, detail: `postgres: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  async recordWebhookFailure(input: WebhookFailure): Promise<void> {
    await this.sql`INSERT INTO webhook_failures (platform, topic, reason, raw, received_at)
      VALUES (${input.platform}, ${input.topic}, ${input.reason}, ${input.raw}, ${input.receivedAt})`;
  }

  async webhookFailures(limit: number): Promise<(WebhookFailure & { id: number })[]> {
    const rows = await this.sql<
      { id: number; platform: string; topic: string; reason: string; raw: string; received_at: number }[]
    >`SELECT id, platform, topic, reason, raw, received_at FROM webhook_failures ORDER BY id DESC LIMIT ${limit}`;
    return rows.map((row) => ({
      id: row.id,
      platform: row.platform as WebhookFailure['platform'],
      topic: row.topic,
      reason: row.reason,
      raw: row.raw,
      receivedAt: row.received_at,
    }));
  }

  /** The first migration was applied when the database was made, by its opener's clock. */
  async createdAt(): Promise<number> {
    const [row] = await this.sql<
      { at: number | null }[]
    >`SELECT min(applied_at) AS at FROM schema_migrations`;
    return row?.at ?? 0;
  }

  async backupTo(_file: string): Promise<never> {
    throw new CartwatchError(
      'BACKUP_USE_PG_DUMP',
      'cartwatch backup copies a SQLite file; on Postgres, back up with pg_dump (for example ' +
        '`pg_dump --format=custom --file=cartwatch.dump "$CARTWATCH_DB"`) or your provider\'s snapshots.',
    );
  }

  /** Lets batches already submitted finish before the pool closes. */
  drained(): Promise<void> {
    return this.recorder.drained();
  }
}
