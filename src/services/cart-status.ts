import type { CartwatchConfig } from '../config.js';
import { expectRuleKey } from '../domain/due-policy.js';
import type { AuditEntry, ExceptionRecord } from '../domain/exception.js';
import { startOfLocalDay } from '../domain/local-time.js';
import { buildTimeline, type TimelineEntry } from '../domain/timeline.js';
import type { ExceptionOverview } from '../store/status-types.js';
import type { Store } from '../store/store.js';
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
  exceptions: { exception: ExceptionRecord; audit: AuditEntry[] }[];
  next: NextStep[];
  value?: { value: number; currency: string };
  now: number;
}

/** The answers behind /cart-status: one cart's story, the team overview, and "mine". */
export class CartStatusService {
  constructor(private readonly deps: { store: Store; clock: Clock; config: CartwatchConfig }) {}

  async cart(id: string): Promise<CartReport | null> {
    const { store, clock } = this.deps;
    const history = await store.findCartHistory(id);
    if (history === null) return null;
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
      report.exceptions.push({ exception, audit: await store.auditOf(exception.id) });
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
}

function nextStep(what: string, dueAt: number, now: number): NextStep {
  return { what, dueAt, overdueMs: Math.max(0, now - dueAt) };
}
