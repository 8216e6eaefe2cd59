import type Database from 'better-sqlite3';
import { type DuePolicy, expectRuleKey, isStep, stallDueAt } from '../../domain/due-policy.js';
import type { CartEvent, Stage, Status } from '../../domain/event.js';
import type { NewEvent, RecordOutcome } from '../store.js';

const KEY_COLUMNS = [
  { kind: 'order', field: 'orderId', column: 'order_id' },
  { kind: 'payment', field: 'paymentId', column: 'payment_id' },
  { kind: 'shipment', field: 'shipmentId', column: 'shipment_id' },
] as const;

interface ProjectionInput {
  stage: string;
  step: string;
  status: string;
  occurred_at: number;
  amount_value: number | null;
  amount_currency: string | null;
}

/**
 * Writes events, their correlation links, the cart projection (with its stall due time), expect
 * rules armed or met, and when watched sources were last heard from. Callers run it inside a
 * transaction; prepared statements keep a batch to a handful of B-tree writes per event.
 */
export class EventWriter {
  private readonly s;
  private readonly watched: ReadonlySet<string>;

  constructor(
    db: Database.Database,
    private readonly policy: DuePolicy,
  ) {
    this.watched = new Set(policy.watchedSources);
    this.s = {
      insertEvent: db.prepare(`INSERT OR IGNORE INTO events
        (id, cart_id, order_id, payment_id, shipment_id, sku, stage, step, status, occurred_at, received_at,
         source, run_id, amount_value, amount_currency, error_code, error_message, raw)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      findLink: db.prepare<[string, string], { cart_id: string }>(
        'SELECT cart_id FROM correlation_links WHERE key_kind = ? AND key_value = ?',
      ),
      insertLink: db.prepare(
        'INSERT OR IGNORE INTO correlation_links (key_kind, key_value, cart_id, linked_at) VALUES (?, ?, ?, ?)',
      ),
      adoptByKey: Object.fromEntries(
        KEY_COLUMNS.map(({ column }) => [
          column,
          db.prepare<
            [string, string],
            ProjectionInput
          >(`UPDATE events SET cart_id = ? WHERE cart_id IS NULL AND ${column} = ?
            RETURNING stage, step, status, occurred_at, amount_value, amount_currency`),
        ]),
      ) as Record<string, Database.Statement<[string, string], ProjectionInput>>,
      // The projection follows the latest event by occurred_at, so a late event never rewinds it.
      upsertCart: db.prepare(`INSERT INTO carts
        (cart_id, stage, step, status, last_progress_at, first_seen_at, value, currency, event_count, stall_due_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
        ON CONFLICT (cart_id) DO UPDATE SET
          stage  = iif(excluded.last_progress_at >= carts.last_progress_at, excluded.stage, carts.stage),
          step   = iif(excluded.last_progress_at >= carts.last_progress_at, excluded.step, carts.step),
          status = iif(excluded.last_progress_at >= carts.last_progress_at, excluded.status, carts.status),
          stall_due_at = iif(excluded.last_progress_at >= carts.last_progress_at, excluded.stall_due_at, carts.stall_due_at),
          value  = iif(excluded.value IS NOT NULL
                       AND (carts.value IS NULL OR excluded.last_progress_at >= carts.last_progress_at),
                       excluded.value, carts.value),
          currency = iif(excluded.value IS NOT NULL
                       AND (carts.value IS NULL OR excluded.last_progress_at >= carts.last_progress_at),
                       excluded.currency, carts.currency),
          last_progress_at = max(carts.last_progress_at, excluded.last_progress_at),
          first_seen_at = min(carts.first_seen_at, excluded.first_seen_at),
          event_count = carts.event_count + 1`),
      arm: db.prepare(
        'INSERT OR REPLACE INTO expectations (cart_id, rule, after_at, due_at) VALUES (?, ?, ?, ?)',
      ),
      disarm: db.prepare('DELETE FROM expectations WHERE cart_id = ? AND rule = ?'),
      // Exceptions raised while only the key was known move to the cart (keys and dedup keys alike).
      rekeyExceptions: db.prepare(`UPDATE OR IGNORE exceptions SET cart_id = @cart,
          dedup_key = iif(substr(dedup_key, 1, length('failed:' || @key || ':')) = 'failed:' || @key || ':',
                          'failed:' || @cart || substr(dedup_key, length('failed:' || @key) + 1), dedup_key)
        WHERE cart_id = @key AND state != 'resolved'`),
      // A name seen again is kept as long as the newest event that carried it.
      recordAlias:
        db.prepare(`INSERT INTO key_aliases (alias, key_kind, key_value, recorded_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (alias, key_kind, key_value) DO UPDATE SET recorded_at = max(recorded_at, excluded.recorded_at)`),
      heardFrom:
        db.prepare(`INSERT INTO sources (name, last_seen_at, last_stage, last_run_id) VALUES (?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_stage = excluded.last_stage,
          last_run_id = coalesce(excluded.last_run_id, sources.last_run_id)`),
    };
  }

  /** Records one batch; must run inside the caller's transaction. */
  write(batch: readonly NewEvent[], receivedAt: number): RecordOutcome {
    let accepted = 0;
    const heard = new Map<string, CartEvent>();
    for (const { event, raw, aliases } of batch) {
      const cartId = event.cartId ?? this.linkedCart(event);
      if (!this.insert(event, cartId, receivedAt, raw)) continue;
      accepted += 1;
      for (const a of aliases ?? []) this.s.recordAlias.run(a.alias, a.kind, a.value, receivedAt);
      if (this.watched.has(event.source)) heard.set(event.source, event);
      if (cartId === undefined) continue;
      this.linkKeys(event, cartId, receivedAt);
      this.project(cartId, {
        stage: event.stage,
        step: event.step,
        status: event.status,
        occurred_at: event.occurredAt,
        amount_value: event.amount?.value ?? null,
        amount_currency: event.amount?.currency ?? null,
      });
      this.followExpectations(cartId, event);
    }
    for (const [source, event] of heard) {
      this.s.heardFrom.run(source, receivedAt, event.stage, event.runId ?? null);
    }
    return { accepted, duplicates: batch.length - accepted };
  }

  private insert(event: CartEvent, cartId: string | undefined, receivedAt: number, raw: string): boolean {
    // Positional binding: named parameters cost about 2 µs more per statement (measured).
    const inserted = this.s.insertEvent.run(
      event.id,
      cartId ?? null,
      event.orderId ?? null,
      event.paymentId ?? null,
      event.shipmentId ?? null,
      event.sku ?? null,
      event.stage,
      event.step,
      event.status,
      event.occurredAt,
      receivedAt,
      event.source,
      event.runId ?? null,
      event.amount?.value ?? null,
      event.amount?.currency ?? null,
      event.error?.code ?? null,
      event.error?.message ?? null,
      raw,
    );
    return inserted.changes > 0;
  }

  private linkedCart(event: CartEvent): string | undefined {
    for (const { kind, field } of KEY_COLUMNS) {
      const value = event[field];
      if (value === undefined) continue;
      const link = this.s.findLink.get(kind, value);
      if (link) return link.cart_id;
    }
    return undefined;
  }

  /** Links every key the event carries to its cart; a new link pulls in the events that waited for it. */
  private linkKeys(event: CartEvent, cartId: string, now: number): void {
    for (const { kind, field, column } of KEY_COLUMNS) {
      const value = event[field];
      if (value === undefined) continue;
      // First link wins: a key already tied to a cart stays there.
      if (this.s.insertLink.run(kind, value, cartId, now).changes === 0) continue;
      const adopted = this.s.adoptByKey[column]?.all(cartId, value) ?? [];
      if (adopted.length > 0) this.s.rekeyExceptions.run({ cart: cartId, key: value });
      for (const waiting of adopted) {
        this.project(cartId, waiting);
        this.followExpectations(cartId, {
          stage: waiting.stage as Stage,
          step: waiting.step,
          status: waiting.status as Status,
          occurredAt: waiting.occurred_at,
        });
      }
    }
  }

  private project(cartId: string, event: ProjectionInput): void {
    const due = stallDueAt(this.policy, event.stage as Stage, event.status as Status, event.occurred_at);
    this.s.upsertCart.run(
      cartId,
      event.stage,
      event.step,
      event.status,
      event.occurred_at,
      event.occurred_at,
      event.amount_value,
      event.amount_currency,
      due,
    );
  }

  /** An "after" step arms its rule for the cart; the "then" step disarms it. */
  private followExpectations(
    cartId: string,
    event: Pick<CartEvent, 'stage' | 'step' | 'status' | 'occurredAt'>,
  ): void {
    this.policy.expect.forEach((rule) => {
      if (isStep(rule.next, event.stage, event.step)) this.s.disarm.run(cartId, expectRuleKey(rule));
      else if (event.status === 'succeeded' && isStep(rule.after, event.stage, event.step)) {
        this.s.arm.run(cartId, expectRuleKey(rule), event.occurredAt, event.occurredAt + rule.withinMs);
      }
    });
  }
}
