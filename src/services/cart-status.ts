import type { CartwatchConfig } from '../config.js';
import { type Reading, readingsOf } from '../domain/cart-reference.js';
import { expectRuleKey } from '../domain/due-policy.js';
import type { Stage } from '../domain/event.js';
import type { AuditEntry, ExceptionRecord } from '../domain/exception.js';
import { startOfLocalDay } from '../domain/local-time.js';
import type { Silence } from '../domain/silence.js';
import { buildTimeline, type TimelineEntry } from '../domain/timeline.js';
import type { ExceptionOverview, WaitingCart } from '../store/status-types.js';
import type { CartHistory, Store } from '../store/store.js';
import type { Clock } from './clock.js';

export interface NextStep {
  what: string;
  dueAt: number;
  /** How long past due; 0 when not yet due. */
  overdueMs: number;
}

export interface CartReport {
  cartId: string | null;
  entries: TimelineEntry[];
  /** Each with its audit trail, and the silence that held it back, if one did. */
  exceptions: { exception: ExceptionRecord; audit: AuditEntry[]; silence?: Silence }[];
  next: NextStep[];
  value?: { value: number; currency: string };
  now: number;
}

/** One way of reading what was typed that found something, and the cart (or unlinked key) it found. */
export interface LookupMatch {
  reading: Reading;
  cartId: string | null;
}

/** What a person typed, looked up: one cart, nothing, or several carts it could mean. */
export type CartLookup =
  | { type: 'found'; report: CartReport }
  | { type: 'not_found' }
  | { type: 'ambiguous'; matches: LookupMatch[] };

/** The answers behind /cart-status: one cart's story, the team overview, and "mine". */
export class CartStatusService {
  constructor(private readonly deps: { store: Store; clock: Clock; config: CartwatchConfig }) {}

  /**
   * A cart by whatever a person holds (see readingsOf): every reading is tried, and when they lead
   * to different carts the answer says so rather than guess.
   */
  async find(typed: string): Promise<CartLookup> {
    const found: { match: LookupMatch; history: CartHistory }[] = [];
    for (const reading of readingsOf(typed)) {
      const history = await this.deps.store.findCartHistory(reading.key);
      if (history !== null) found.push({ match: { reading, cartId: history.cartId }, history });
    }
    const first = found[0];
    if (first === undefined) return { type: 'not_found' };
    const same = (a: LookupMatch) =>
      a.cartId === null ? a.reading.key === first.match.reading.key : a.cartId === first.match.cartId;
    if (found.every(({ match }) => same(match)))
      return { type: 'found', report: await this.report(first.history) };
    return { type: 'ambiguous', matches: found.map(({ match }) => match) };
  }

  /** A cart by an id exactly as stored (a button's cart id). */
  async cart(id: string): Promise<CartReport | null> {
    const history = await this.deps.store.findCartHistory(id);
    return history === null ? null : this.report(history);
  }

  private async report(history: CartHistory): Promise<CartReport> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const report: CartReport = {
      cartId: history.cartId,
      entries: buildTimeline(history.events),
      exceptions: [],
      next: [],
      now,
    };
    if (history.cartId === null) return report;
    for (const exception of await store.exceptionsOfCart(history.cartId)) {
      const silence = exception.silenceId === undefined ? null : await store.findSilence(exception.silenceId);
      report.exceptions.push({
        exception,
        audit: await store.auditOf(exception.id),
        ...(silence !== null && { silence }),
      });
    }
    const state = await store.cartState(history.cartId);
    if (state?.value) report.value = state.value;
    if (state?.stallDueAt !== undefined) {
      report.next.push(nextStep(`progress in ${state.stage} (SLA)`, state.stallDueAt, now));
    }
    for (const expectation of state?.expectations ?? []) {
      const rule = this.deps.config.expect.find((r) => expectRuleKey(r) === expectation.rule);
      if (rule) report.next.push(nextStep(`${rule.next.stage}.${rule.next.step}`, expectation.dueAt, now));
    }
    return report;
  }

  overview(): Promise<ExceptionOverview> {
    // "Resolved today" counts from the start of the day in the config's time zone.
    const today = startOfLocalDay(this.deps.clock.now(), this.deps.config.timezone);
    return this.deps.store.exceptionOverview(today);
  }

  mine(userId: string): Promise<ExceptionRecord[]> {
    return this.deps.store.assignedTo(userId, 20);
  }

  /** A backlog's carts: how many wait in the stage, and the oldest of them, oldest first. */
  async waiting(stage: Stage): Promise<WaitingReport> {
    const { store, clock } = this.deps;
    const [backlog, carts] = await Promise.all([
      store.backlogOf(stage),
      store.waitingCarts(stage, WAITING_SHOWN),
    ]);
    return { stage, total: backlog.waiting, carts, now: clock.now() };
  }
}

/** How many of a backlog's carts its Timeline lists; the rest are counted. */
const WAITING_SHOWN = 25;

export interface WaitingReport {
  stage: Stage;
  total: number;
  carts: WaitingCart[];
  now: number;
}

function nextStep(what: string, dueAt: number, now: number): NextStep {
  return { what, dueAt, overdueMs: Math.max(0, now - dueAt) };
}
