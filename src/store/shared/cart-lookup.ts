import type { StoredEvent } from '../../domain/event.js';
import type { CartHistory } from '../store.js';
import { KEY_COLUMNS, type LinkKind } from './record-plan.js';

type Maybe<T> = T | Promise<T>;

/** The reads findCartHistory needs; each is one index lookup in either store. */
export interface CartLookup {
  cartExists(cartId: string): Maybe<boolean>;
  linkOf(kind: LinkKind, value: string): Maybe<string | undefined>;
  /** Keys an alias stands for, the most recently seen first. */
  aliasTargets(alias: string): Maybe<string[]>;
  eventsOfCart(cartId: string): Maybe<StoredEvent[]>;
  /** Events without a cart that carry the key as an order, payment or shipment id. */
  waitingEvents(key: string): Maybe<StoredEvent[]>;
}

/**
 * The cart an id names: a cart id, else a linked key (order, payment, shipment, in that order),
 * else the events still waiting under it as a key; else an alias of a key, the most recently seen
 * one that finds anything winning.
 */
export async function findCartHistory(lookup: CartLookup, id: string): Promise<CartHistory | null> {
  const direct = await ofKey(lookup, id);
  if (direct !== null) return direct;
  for (const key of await lookup.aliasTargets(id)) {
    const found = await ofKey(lookup, key);
    if (found !== null) return found;
  }
  return null;
}

async function ofKey(lookup: CartLookup, id: string): Promise<CartHistory | null> {
  const cartId = await cartOf(lookup, id);
  if (cartId !== undefined) return { cartId, events: await lookup.eventsOfCart(cartId) };
  const waiting = await lookup.waitingEvents(id);
  return waiting.length > 0 ? { cartId: null, events: waiting } : null;
}

async function cartOf(lookup: CartLookup, id: string): Promise<string | undefined> {
  if (await lookup.cartExists(id)) return id;
  for (const { kind } of KEY_COLUMNS) {
    const cartId = await lookup.linkOf(kind, id);
    if (cartId !== undefined) return cartId;
  }
  return undefined;
}
