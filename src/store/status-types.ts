import type { Money, Stage, Status } from '../domain/event.js';
import type { ExceptionRecord } from '../domain/exception.js';

/** Where a cart stands now, and what it is expected to do next. */
export interface CartState {
  cartId: string;
  stage: Stage;
  step: string;
  status: Status;
  lastProgressAt: number;
  value?: Money;
  /** When it overstays its stage's SLA (null once checked or when no SLA applies). */
  stallDueAt?: number;
  /** Expect rules armed for it: the rule's key ("after>then") and due time. */
  expectations: { rule: string; afterAt: number; dueAt: number }[];
}

export interface TeamStageCount {
  team: string;
  stage: Stage;
  open: number;
  acknowledged: number;
  valueAtRisk: Money[];
}

export interface ExceptionOverview {
  byTeamAndStage: TeamStageCount[];
  /** Everything open puts this at risk, each cart counted once. */
  valueAtRisk: Money[];
  oldestUnclaimed: ExceptionRecord[];
  resolvedSince: number;
  /** Carts waiting (latest step started) per stage, with the oldest one's last progress. */
  waiting: { stage: Stage; carts: number; oldestAt?: number }[];
}

/** A cart waiting in a stage (its latest step started), as a backlog lists it. */
export interface WaitingCart {
  cartId: string;
  step: string;
  /** When its latest step started: how long it has waited. */
  since: number;
  value?: Money;
}

/** An audit entry with the facts of its exception, for the digest's counts. */
export interface AuditedChange {
  exceptionId: number;
  action: string;
  at: number;
  firstSeenAt: number;
  kind: string;
  stage: Stage;
  step: string;
  errorCode?: string;
}
