import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import { rekeyedDedupKey } from '../../domain/linking.js';
import {
  CART_COLUMNS,
  CART_UPDATE,
  type CartRow,
  toCartProjection,
  toWaiting,
  WAITING_COLUMNS,
  type WaitingRow,
} from '../rows/cart-rows.js';
import {
  KEY_COLUMNS,
  type LinkKind,
  type PlannedEvent,
  planRecord,
  type RecordPlan,
  type RecordView,
} from '../shared/record-plan.js';
import type { NewEvent, RecordOutcome } from '../store.js';

/**
 * Writes events, their correlation links, the cart projection (with its stall due time), expect
 * rules armed or met, and when watched sources were last heard from, as record-plan.ts decides.
 * Callers run it inside a transaction; the plan reads what it needs row by row (in-process reads
 * cost microseconds) and each row it decides is one prepared statement.
 */
export class EventWriter {
  private readonly s;
  private readonly view: RecordView;

  constructor(
    db: Database.Database,
    private readonly policy: DuePolicy,
  ) {
    this.s = {
      insertEvent: db.prepare(`INSERT OR IGNORE INTO events
        (id, cart_id, order_id, payment_id, shipment_id, sku, stage, step, status, occurred_at, received_at,
         source, run_id, amount_value, amount_currency, error_code, error_message, raw)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      isStored: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM events WHERE id = ?').pluck(),
      findLink: db
        .prepare<[string, string], string>(
          'SELECT cart_id FROM correlation_links WHERE key_kind = ? AND key_value = ?',
        )
        .pluck(),
      waitingBy: Object.fromEntries(
        KEY_COLUMNS.map(({ kind, column }) => [
          kind,
          db.prepare<[string], WaitingRow>(
            `SELECT ${WAITING_COLUMNS} FROM events WHERE cart_id IS NULL AND ${column} = ? ORDER BY seq`,
          ),
        ]),
      ) as Record<LinkKind, Database.Statement<[string], WaitingRow>>,
      cart: db.prepare<[string], CartRow>(`SELECT ${CART_COLUMNS} FROM carts WHERE cart_id = ?`),
      insertLink: db.prepare(
        'INSERT OR IGNORE INTO correlation_links (key_kind, key_value, cart_id, linked_at) VALUES (?, ?, ?, ?)',
      ),
      adopt: db.prepare('UPDATE events SET cart_id = ? WHERE id = ? AND cart_id IS NULL'),
      upsertCart: db.prepare(`INSERT INTO carts (${CART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (cart_id) DO UPDATE SET ${CART_UPDATE}`),
      arm: db.prepare(
        'INSERT OR REPLACE INTO expectations (cart_id, rule, after_at, due_at) VALUES (?, ?, ?, ?)',
      ),
      disarm: db.prepare('DELETE FROM expectations WHERE cart_id = ? AND rule = ?'),
      liveOfKey: db.prepare<[string], { id: number; dedup_key: string }>(
        "SELECT id, dedup_key FROM exceptions WHERE cart_id = ? AND state != 'resolved' ORDER BY id",
      ),
      // OR IGNORE: when the cart already has a live exception under the new key, this one stays as it was.
      rekey: db.prepare('UPDATE OR IGNORE exceptions SET cart_id = ?, dedup_key = ? WHERE id = ?'),
      recordAlias:
        db.prepare(`INSERT INTO key_aliases (alias, key_kind, key_value, recorded_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (alias, key_kind, key_value) DO UPDATE SET recorded_at = max(recorded_at, excluded.recorded_at)`),
      heardFrom:
        db.prepare(`INSERT INTO sources (name, last_seen_at, last_stage, last_run_id) VALUES (?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_stage = excluded.last_stage,
          last_run_id = coalesce(excluded.last_run_id, sources.last_run_id)`),
    };
    const s = this.s;
    this.view = {
      isStored: (id) => s.isStored.get(id) !== undefined,
      linkOf: (kind, value) => s.findLink.get(kind, value),
      waitingFor: (kind, value) => s.waitingBy[kind].all(value).map(toWaiting),
      cart: (cartId) => {
        const row = s.cart.get(cartId);
        return row === undefined ? undefined : toCartProjection(row);
      },
    };
  }

  /** Records one batch; must run inside the caller's transaction. */
  write(batch: readonly NewEvent[], receivedAt: number): RecordOutcome {
    const plan = planRecord(this.policy, this.view, [{ batch, receivedAt }]);
    this.apply(plan);
    return plan.outcomes[0] as RecordOutcome;
  }

  private apply(plan: RecordPlan): void {
    const s = this.s;
    for (const planned of plan.events) this.insert(planned);
    for (const l of plan.links) s.insertLink.run(l.kind, l.value, l.cartId, l.linkedAt);
    for (const { id, cartId } of plan.adoptions) s.adopt.run(cartId, id);
    for (const { key, cartId } of plan.rekeys) {
      for (const live of s.liveOfKey.all(key))
        s.rekey.run(cartId, rekeyedDedupKey(live.dedup_key, key, cartId), live.id);
    }
    for (const [cartId, p] of plan.carts) {
      // In CART_COLUMNS' order, positionally (as insert's comment says, named binding costs more).
      s.upsertCart.run(
        cartId,
        p.stage,
        p.step,
        p.status,
        p.lastProgressAt,
        p.firstSeenAt,
        p.value,
        p.currency,
        p.eventCount,
        p.stallDueAt,
      );
    }
    for (const { cartId, rule, arm } of plan.expectations) {
      if (arm === undefined) s.disarm.run(cartId, rule);
      else s.arm.run(cartId, rule, arm.afterAt, arm.dueAt);
    }
    for (const a of plan.aliases) s.recordAlias.run(a.alias, a.kind, a.value, a.recordedAt);
    for (const h of plan.sources) s.heardFrom.run(h.name, h.lastSeenAt, h.stage, h.runId);
  }

  private insert({ event, raw, cartId, receivedAt }: PlannedEvent): void {
    // Positional binding: named parameters cost about 2 µs more per statement (measured).
    this.s.insertEvent.run(
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
  }
}
