import { rekeyedDedupKey } from '../../domain/linking.js';
import { CART_COLUMNS, CART_UPDATE } from '../rows/cart-rows.js';
import type { RecordPlan } from '../shared/record-plan.js';
import type { Tx } from './connection.js';

/**
 * Another instance stored one of these events, links or adoptions between our reads and writes (only
 * possible for rows no lock of ours covers). The code is a serialization failure's, so transaction()
 * runs the whole group again from fresh reads.
 */
class PlanOverrun extends Error {
  readonly code = '40001';
  constructor(what: string) {
    super(`recording raced another instance (${what}); retrying`);
  }
}

/** Writes the plan with one statement per table (arrays through unnest), checking it held. */
export async function writePlan(tx: Tx, plan: RecordPlan): Promise<void> {
  const [inserted, linked, adopted] = await Promise.all([
    insertEvents(tx, plan),
    insertLinks(tx, plan),
    adopt(tx, plan),
    upsertCarts(tx, plan),
    writeExpectations(tx, plan),
    recordAliases(tx, plan),
    heardFrom(tx, plan),
  ]);
  if (inserted !== plan.events.length) throw new PlanOverrun('events');
  if (linked !== plan.links.length) throw new PlanOverrun('links');
  if (adopted !== plan.adoptions.length) throw new PlanOverrun('adoptions');
  for (const { key, cartId } of plan.rekeys) await rekey(tx, key, cartId);
}

async function insertEvents(tx: Tx, plan: RecordPlan): Promise<number> {
  if (plan.events.length === 0) return 0;
  const col = <T>(pick: (p: RecordPlan['events'][number]) => T) => plan.events.map(pick);
  const rows = await tx`
    INSERT INTO events (id, cart_id, order_id, payment_id, shipment_id, sku, stage, step, status, occurred_at,
      received_at, source, run_id, amount_value, amount_currency, error_code, error_message, raw)
    SELECT id, cart_id, order_id, payment_id, shipment_id, sku, stage, step, status, occurred_at,
      received_at, source, run_id, amount_value, amount_currency, error_code, error_message, raw
    FROM unnest(${col((p) => p.event.id)}::text[], ${col((p) => p.cartId ?? null)}::text[],
      ${col((p) => p.event.orderId ?? null)}::text[], ${col((p) => p.event.paymentId ?? null)}::text[],
      ${col((p) => p.event.shipmentId ?? null)}::text[], ${col((p) => p.event.sku ?? null)}::text[],
      ${col((p) => p.event.stage)}::text[], ${col((p) => p.event.step)}::text[],
      ${col((p) => p.event.status)}::text[], ${col((p) => p.event.occurredAt)}::bigint[],
      ${col((p) => p.receivedAt)}::bigint[], ${col((p) => p.event.source)}::text[],
      ${col((p) => p.event.runId ?? null)}::text[], ${col((p) => p.event.amount?.value ?? null)}::bigint[],
      ${col((p) => p.event.amount?.currency ?? null)}::text[], ${col((p) => p.event.error?.code ?? null)}::text[],
      ${col((p) => p.event.error?.message ?? null)}::text[], ${col((p) => p.raw)}::text[])
      WITH ORDINALITY AS e(id, cart_id, order_id, payment_id, shipment_id, sku, stage, step, status,
        occurred_at, received_at, source, run_id, amount_value, amount_currency, error_code, error_message,
        raw, ord)
    ORDER BY ord
    ON CONFLICT (id) DO NOTHING
    RETURNING id`;
  return rows.length;
}

async function insertLinks(tx: Tx, plan: RecordPlan): Promise<number> {
  if (plan.links.length === 0) return 0;
  const rows = await tx`
    INSERT INTO correlation_links (key_kind, key_value, cart_id, linked_at)
    SELECT * FROM unnest(${plan.links.map((l) => l.kind)}::text[], ${plan.links.map((l) => l.value)}::text[],
      ${plan.links.map((l) => l.cartId)}::text[], ${plan.links.map((l) => l.linkedAt)}::bigint[])
    ON CONFLICT DO NOTHING
    RETURNING 1`;
  return rows.length;
}

async function adopt(tx: Tx, plan: RecordPlan): Promise<number> {
  if (plan.adoptions.length === 0) return 0;
  const rows = await tx`
    UPDATE events e SET cart_id = a.cart_id
    FROM unnest(${plan.adoptions.map((a) => a.id)}::text[], ${plan.adoptions.map((a) => a.cartId)}::text[])
      AS a(id, cart_id)
    WHERE e.id = a.id AND e.cart_id IS NULL
    RETURNING 1`;
  return rows.length;
}

async function upsertCarts(tx: Tx, plan: RecordPlan): Promise<void> {
  if (plan.carts.size === 0) return;
  const carts = [...plan.carts];
  const col = <T>(pick: (p: (typeof carts)[number][1]) => T) => carts.map(([, p]) => pick(p));
  await tx`
    INSERT INTO carts (${tx.unsafe(CART_COLUMNS)})
    SELECT * FROM unnest(${carts.map(([id]) => id)}::text[], ${col((p) => p.stage)}::text[],
      ${col((p) => p.step)}::text[], ${col((p) => p.status)}::text[], ${col((p) => p.lastProgressAt)}::bigint[],
      ${col((p) => p.firstSeenAt)}::bigint[], ${col((p) => p.value)}::bigint[], ${col((p) => p.currency)}::text[],
      ${col((p) => p.eventCount)}::int[], ${col((p) => p.stallDueAt)}::bigint[])
    ON CONFLICT (cart_id) DO UPDATE SET ${tx.unsafe(CART_UPDATE)}`;
}

async function writeExpectations(tx: Tx, plan: RecordPlan): Promise<void> {
  const disarmed = plan.expectations.filter((e) => e.arm === undefined);
  const armed = plan.expectations.flatMap((e) => (e.arm === undefined ? [] : [{ ...e, arm: e.arm }]));
  await Promise.all([
    disarmed.length > 0 &&
      tx`DELETE FROM expectations x USING unnest(${disarmed.map((e) => e.cartId)}::text[],
          ${disarmed.map((e) => e.rule)}::text[]) AS d(cart_id, rule)
        WHERE x.cart_id = d.cart_id AND x.rule = d.rule`,
    armed.length > 0 &&
      tx`INSERT INTO expectations (cart_id, rule, after_at, due_at)
        SELECT * FROM unnest(${armed.map((e) => e.cartId)}::text[], ${armed.map((e) => e.rule)}::text[],
          ${armed.map((e) => e.arm.afterAt)}::bigint[], ${armed.map((e) => e.arm.dueAt)}::bigint[])
        ON CONFLICT (cart_id, rule) DO UPDATE SET after_at = excluded.after_at, due_at = excluded.due_at`,
  ]);
}

async function recordAliases(tx: Tx, plan: RecordPlan): Promise<void> {
  if (plan.aliases.length === 0) return;
  const a = plan.aliases;
  await tx`
    INSERT INTO key_aliases (alias, key_kind, key_value, recorded_at)
    SELECT * FROM unnest(${a.map((x) => x.alias)}::text[], ${a.map((x) => x.kind)}::text[],
      ${a.map((x) => x.value)}::text[], ${a.map((x) => x.recordedAt)}::bigint[])
    ON CONFLICT (alias, key_kind, key_value)
      DO UPDATE SET recorded_at = greatest(key_aliases.recorded_at, excluded.recorded_at)`;
}

async function heardFrom(tx: Tx, plan: RecordPlan): Promise<void> {
  if (plan.sources.length === 0) return;
  const s = plan.sources;
  await tx`
    INSERT INTO sources (name, last_seen_at, last_stage, last_run_id)
    SELECT * FROM unnest(${s.map((x) => x.name)}::text[], ${s.map((x) => x.lastSeenAt)}::bigint[],
      ${s.map((x) => x.stage)}::text[], ${s.map((x) => x.runId)}::text[])
    ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_stage = excluded.last_stage,
      last_run_id = coalesce(excluded.last_run_id, sources.last_run_id)`;
}

/**
 * Moves the key's live exceptions to the cart, one by one in id order; one whose new dedup key the
 * cart already has live stays as it was (as SQLite's UPDATE OR IGNORE leaves it).
 */
async function rekey(tx: Tx, key: string, cartId: string): Promise<void> {
  const live = await tx<{ id: number; dedup_key: string }[]>`
    SELECT id, dedup_key FROM exceptions WHERE cart_id = ${key} AND state != 'resolved' ORDER BY id FOR UPDATE`;
  for (const { id, dedup_key } of live) {
    const moved = rekeyedDedupKey(dedup_key, key, cartId);
    await tx`UPDATE exceptions SET cart_id = ${cartId}, dedup_key = ${moved}
      WHERE id = ${id} AND NOT EXISTS (
        SELECT 1 FROM exceptions o WHERE o.dedup_key = ${moved} AND o.state != 'resolved' AND o.id != ${id})`;
  }
}
