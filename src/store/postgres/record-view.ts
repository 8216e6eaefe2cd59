import type { CartProjection } from '../../domain/projection.js';
import {
  CART_COLUMNS,
  type CartRow,
  toCartProjection,
  toWaiting,
  WAITING_COLUMNS,
  type WaitingRow,
} from '../rows/cart-rows.js';
import {
  KEY_COLUMNS,
  type LinkKind,
  type RecordJob,
  type RecordView,
  type WaitingEvent,
} from '../shared/record-plan.js';
import type { Tx } from './connection.js';

/** Advisory lock space of ingest (two-int form): "evnt", then a bucket of carts and keys. */
const INGEST_LOCKS = 0x65766e74;
/**
 * Carts and keys hash into this many buckets, so a batch of 1,000 events takes at most this many
 * locks (Postgres's shared lock table is sized for about 64 per connection); two instances recording
 * the same bucket at once take turns for the length of a commit.
 */
const BUCKETS = 512;

const keyOf = (kind: string, value: string) => `${kind}\u0000${value}`;

/**
 * Serialises recording per cart and per correlation key across instances, then reads, in a few
 * statements for the whole group, everything planRecord asks about: which ids are stored, the links
 * of the keys, events waiting for a key not linked yet, and the carts touched (locked FOR UPDATE, so
 * the projection merged in JS is never merged twice from the same stored row).
 */
export async function loadRecordView(tx: Tx, jobs: readonly RecordJob[]): Promise<RecordView> {
  const events = jobs.flatMap((job) => job.batch.map((e) => e.event));
  const keys = new Map<string, { kind: LinkKind; value: string }>();
  for (const event of events) {
    for (const { kind, field } of KEY_COLUMNS) {
      const value = event[field];
      if (value !== undefined) keys.set(keyOf(kind, value), { kind, value });
    }
  }
  const explicit = new Set(events.flatMap((e) => (e.cartId === undefined ? [] : [e.cartId])));
  await lockBuckets(tx, [...[...explicit].map((c) => `cart\u0000${c}`), ...keys.keys()]);

  const kinds = [...keys.values()].map((k) => k.kind);
  const values = [...keys.values()].map((k) => k.value);
  const [stored, linkRows] = await Promise.all([
    tx<{ id: string }[]>`SELECT id FROM events WHERE id = ANY(${events.map((e) => e.id)}::text[])`,
    tx<{ key_kind: LinkKind; key_value: string; cart_id: string }[]>`
      SELECT l.key_kind, l.key_value, l.cart_id FROM correlation_links l
      JOIN unnest(${kinds}::text[], ${values}::text[]) AS k(kind, value)
        ON l.key_kind = k.kind AND l.key_value = k.value`,
  ]);
  const links = new Map(linkRows.map((l) => [keyOf(l.key_kind, l.key_value), l.cart_id]));
  const carts = [...new Set([...explicit, ...links.values()])].sort();
  const unlinked = [...keys.entries()].filter(([key]) => !links.has(key)).map(([, k]) => k);
  const [cartRows, waiting] = await Promise.all([
    tx<CartRow[]>`SELECT ${tx.unsafe(CART_COLUMNS)} FROM carts
      WHERE cart_id = ANY(${carts}::text[]) ORDER BY cart_id FOR UPDATE`,
    waitingFor(tx, unlinked),
  ]);
  const projections = new Map<string, CartProjection>(cartRows.map((r) => [r.cart_id, toCartProjection(r)]));
  const storedIds = new Set(stored.map((r) => r.id));
  return {
    isStored: (id) => storedIds.has(id),
    linkOf: (kind, value) => links.get(keyOf(kind, value)),
    waitingFor: (kind, value) => waiting.get(keyOf(kind, value)) ?? [],
    cart: (cartId) => projections.get(cartId),
  };
}

/** Stored events without a cart, oldest first, under each of these keys they carry. */
async function waitingFor(
  tx: Tx,
  keys: readonly { kind: LinkKind; value: string }[],
): Promise<Map<string, WaitingEvent[]>> {
  const byKind = (kind: LinkKind) => keys.filter((k) => k.kind === kind).map((k) => k.value);
  const found = new Map<string, WaitingEvent[]>();
  if (keys.length === 0) return found;
  const rows = await tx<(WaitingRow & Record<'order_id' | 'payment_id' | 'shipment_id', string | null>)[]>`
    SELECT ${tx.unsafe(WAITING_COLUMNS)}, order_id, payment_id, shipment_id FROM events
    WHERE cart_id IS NULL AND (order_id = ANY(${byKind('order')}::text[])
      OR payment_id = ANY(${byKind('payment')}::text[]) OR shipment_id = ANY(${byKind('shipment')}::text[]))
    ORDER BY seq`;
  for (const row of rows) {
    for (const { kind, column } of KEY_COLUMNS) {
      const value = row[column];
      if (value === null) continue;
      const key = keyOf(kind, value);
      const list = found.get(key);
      if (list === undefined) found.set(key, [toWaiting(row)]);
      else list.push(toWaiting(row));
    }
  }
  return found;
}

/** Takes the buckets' locks in ascending order, so two groups never wait on each other in a circle. */
async function lockBuckets(tx: Tx, names: readonly string[]): Promise<void> {
  const buckets = [...new Set(names.map((n) => fnv1a(n) % BUCKETS))].sort((a, b) => a - b);
  if (buckets.length === 0) return;
  await tx`SELECT count(pg_advisory_xact_lock(${INGEST_LOCKS}::int, b))
    FROM unnest(${buckets}::int[]) WITH ORDINALITY AS t(b, i)`;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
