import type { KeyKind } from '../../domain/cart-reference.js';
import type { DuePolicy } from '../../domain/due-policy.js';
import type { CartEvent } from '../../domain/event.js';
import {
  type CartProjection,
  type ExpectationChange,
  expectationChanges,
  mergeProjection,
  type ProjectedEvent,
  projectionOf,
} from '../../domain/projection.js';
import type { NewEvent, RecordOutcome } from '../store.js';

/** The correlation keys in the order a cart is looked up by them (the first linked one wins). */
export const KEY_COLUMNS = [
  { kind: 'order', field: 'orderId', column: 'order_id' },
  { kind: 'payment', field: 'paymentId', column: 'payment_id' },
  { kind: 'shipment', field: 'shipmentId', column: 'shipment_id' },
] as const satisfies readonly { kind: KeyKind; field: keyof CartEvent; column: string }[];

export type LinkKind = (typeof KEY_COLUMNS)[number]['kind'];

export interface RecordJob {
  batch: readonly NewEvent[];
  receivedAt: number;
}

/** A stored event with no cart yet, found by a key it carries. */
export type WaitingEvent = ProjectedEvent & { id: string };

/** What the database held before the jobs, as far as recording them needs to know. */
export interface RecordView {
  isStored(id: string): boolean;
  linkOf(kind: LinkKind, value: string): string | undefined;
  /** Stored events without a cart that carry this key, oldest first. */
  waitingFor(kind: LinkKind, value: string): readonly WaitingEvent[];
  cart(cartId: string): CartProjection | undefined;
}

export interface PlannedEvent {
  event: CartEvent;
  raw: string;
  /** Undefined while none of its keys is linked (it waits for one). */
  cartId: string | undefined;
  receivedAt: number;
}

/** Everything recording the jobs writes, each row once, in the state it ends in. */
export interface RecordPlan {
  /** New events, in arrival order. */
  events: PlannedEvent[];
  links: { kind: LinkKind; value: string; cartId: string; linkedAt: number }[];
  /** Stored events that join a cart because a key they carry was linked. */
  adoptions: { id: string; cartId: string }[];
  /** Keys newly linked that had events waiting: their live exceptions move to the cart. */
  rekeys: { key: string; cartId: string }[];
  carts: Map<string, CartProjection>;
  expectations: (ExpectationChange & { cartId: string })[];
  aliases: { alias: string; kind: KeyKind; value: string; recordedAt: number }[];
  /** Watched sources heard from; a null run id keeps the one stored. */
  sources: { name: string; lastSeenAt: number; stage: string; runId: string | null }[];
  outcomes: RecordOutcome[];
}

/**
 * Decides what recording these jobs writes, given what the database held: each event's cart (its
 * own, else the first linked key's), duplicates, links (the first link of a key wins), events that
 * waited for a link, the projection, expect rules and sources. Both stores write the plan in one
 * transaction; the SQLite store reads the view row by row, the Postgres store prefetches it.
 */
export function planRecord(policy: DuePolicy, view: RecordView, jobs: readonly RecordJob[]): RecordPlan {
  const planner = new RecordPlanner(policy, view);
  const outcomes = jobs.map((job) => planner.job(job));
  return planner.finish(outcomes);
}

class RecordPlanner {
  private readonly events: PlannedEvent[] = [];
  private readonly ids = new Set<string>();
  /** This plan's events without a cart, by each key they carry. */
  private readonly unlinked = new Map<string, PlannedEvent[]>();
  private readonly links = new Map<string, RecordPlan['links'][number]>();
  private readonly adopted = new Map<string, string>();
  private readonly rekeys: RecordPlan['rekeys'] = [];
  private readonly carts = new Map<string, CartProjection>();
  private readonly expectations = new Map<string, RecordPlan['expectations'][number]>();
  private readonly aliases = new Map<string, RecordPlan['aliases'][number]>();
  private readonly sources = new Map<string, RecordPlan['sources'][number]>();
  private readonly watched: ReadonlySet<string>;

  constructor(
    private readonly policy: DuePolicy,
    private readonly view: RecordView,
  ) {
    this.watched = new Set(policy.watchedSources);
  }

  job({ batch, receivedAt }: RecordJob): RecordOutcome {
    let accepted = 0;
    const heard = new Map<string, CartEvent>();
    for (const { event, raw, aliases } of batch) {
      const cartId = event.cartId ?? this.linkedCart(event);
      if (this.ids.has(event.id) || this.view.isStored(event.id)) continue;
      this.ids.add(event.id);
      accepted += 1;
      this.events.push({ event, raw, cartId, receivedAt });
      for (const a of aliases ?? []) this.alias(a.alias, a.kind, a.value, receivedAt);
      if (this.watched.has(event.source)) heard.set(event.source, event);
      if (cartId === undefined) {
        this.wait(this.events[this.events.length - 1] as PlannedEvent);
        continue;
      }
      this.linkKeys(event, cartId, receivedAt);
      this.project(cartId, event);
    }
    for (const [name, event] of heard) this.heardFrom(name, event, receivedAt);
    return { accepted, duplicates: batch.length - accepted };
  }

  finish(outcomes: RecordOutcome[]): RecordPlan {
    return {
      events: this.events,
      links: [...this.links.values()],
      adoptions: [...this.adopted].map(([id, cartId]) => ({ id, cartId })),
      rekeys: this.rekeys,
      carts: this.carts,
      expectations: [...this.expectations.values()],
      aliases: [...this.aliases.values()],
      sources: [...this.sources.values()],
      outcomes,
    };
  }

  private linkOf(kind: LinkKind, value: string): string | undefined {
    return this.links.get(`${kind}\u0000${value}`)?.cartId ?? this.view.linkOf(kind, value);
  }

  private linkedCart(event: CartEvent): string | undefined {
    for (const { kind, field } of KEY_COLUMNS) {
      const value = event[field];
      const cartId = value === undefined ? undefined : this.linkOf(kind, value);
      if (cartId !== undefined) return cartId;
    }
    return undefined;
  }

  /** Links every key the event carries to its cart; a new link pulls in the events that waited for it. */
  private linkKeys(event: CartEvent, cartId: string, linkedAt: number): void {
    for (const { kind, field } of KEY_COLUMNS) {
      const value = event[field];
      if (value === undefined || this.linkOf(kind, value) !== undefined) continue;
      this.links.set(`${kind}\u0000${value}`, { kind, value, cartId, linkedAt });
      const waiting = this.adopt(kind, value, cartId);
      if (waiting.length > 0) this.rekeys.push({ key: value, cartId });
      for (const event of waiting) this.project(cartId, event);
    }
  }

  /** Stored events waiting on the key (oldest first), then this plan's own, now the cart's. */
  private adopt(kind: LinkKind, value: string, cartId: string): ProjectedEvent[] {
    const stored = this.view.waitingFor(kind, value).filter((w) => !this.adopted.has(w.id));
    for (const w of stored) this.adopted.set(w.id, cartId);
    const key = `${kind}\u0000${value}`;
    const planned = (this.unlinked.get(key) ?? []).filter((p) => p.cartId === undefined);
    this.unlinked.delete(key);
    for (const p of planned) p.cartId = cartId;
    return [...stored, ...planned.map((p) => p.event)];
  }

  private wait(planned: PlannedEvent): void {
    for (const { kind, field } of KEY_COLUMNS) {
      const value = planned.event[field];
      if (value === undefined) continue;
      const key = `${kind}\u0000${value}`;
      const waiting = this.unlinked.get(key);
      if (waiting === undefined) this.unlinked.set(key, [planned]);
      else waiting.push(planned);
    }
  }

  private project(cartId: string, event: ProjectedEvent): void {
    const current = this.carts.get(cartId) ?? this.view.cart(cartId);
    this.carts.set(cartId, mergeProjection(current, projectionOf(this.policy, event)));
    for (const change of expectationChanges(this.policy, event)) {
      const key = `${cartId}\u0000${change.rule}`;
      this.expectations.delete(key);
      this.expectations.set(key, { cartId, ...change });
    }
  }

  /** A name seen again is kept as long as the newest event that carried it. */
  private alias(alias: string, kind: KeyKind, value: string, recordedAt: number): void {
    const key = `${alias}\u0000${kind}\u0000${value}`;
    const known = this.aliases.get(key);
    if (known === undefined || recordedAt > known.recordedAt) {
      this.aliases.set(key, { alias, kind, value, recordedAt });
    }
  }

  private heardFrom(name: string, event: CartEvent, at: number): void {
    const runId = event.runId ?? this.sources.get(name)?.runId ?? null;
    this.sources.set(name, { name, lastSeenAt: at, stage: event.stage, runId });
  }
}
