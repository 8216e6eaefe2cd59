import type { DigestFacts } from '../domain/digest.js';
import type { Stage } from '../domain/event.js';
import type {
  AuditEntry,
  ExceptionFacts,
  ExceptionGroup,
  ExceptionRecord,
  Routing,
} from '../domain/exception.js';

/** One consequence of an event, in event order (a failure and its later success in one batch). */
export type DetectionChange =
  | { type: 'raise'; facts: ExceptionFacts; routing: Routing; at: number }
  /** A success resolves the cart's failed and stalled exceptions in that stage. */
  | { type: 'resolve'; cartId: string; stage: Stage; at: number }
  /** Any later event of a cart resolves its SLA stalls: it moved. */
  | { type: 'progress'; cartId: string; at: number }
  /** A watched source was heard from again. */
  | { type: 'source_seen'; source: string; at: number };

/** A cart past its stage's SLA, as the stall index found it. */
export interface DueStall {
  cartId: string;
  stage: Stage;
  step: string;
  dueAt: number;
  lastProgressAt: number;
  amount?: { value: number; currency: string };
}

/** An expect rule whose "then" step did not come in time. */
export interface DueExpectation {
  cartId: string;
  rule: string;
  afterAt: number;
  dueAt: number;
  amount?: { value: number; currency: string };
}

export interface SourceActivity {
  lastSeenAt: number;
  stage?: Stage;
}

export interface DueWork {
  stalls: DueStall[];
  expectations: DueExpectation[];
  /** Unacknowledged past their escalation time. */
  escalations: ExceptionRecord[];
  /** Acknowledged, unresolved, past their reminder time. */
  reminders: ExceptionRecord[];
}

/** Marks the due row consumed in the same transaction, so a sweep raises each due thing once, across restarts. */
export type SweepClaim =
  | { type: 'stall'; cartId: string; dueAt: number }
  | { type: 'expect'; cartId: string; rule: string; dueAt: number }
  /** Backlogs and silent sources: raise only when none is live. */
  | { type: 'once' };

export interface SweepBatch {
  now: number;
  raises: { facts: ExceptionFacts; routing: Routing; at: number; claim: SweepClaim }[];
  resolves: { dedupKey: string }[];
  /** `escalateAt` as read: if it moved meanwhile (someone acknowledged), the step is skipped. */
  escalations: { id: number; escalateAt: number; mention?: string }[];
  reminders: { id: number; remindAt: number }[];
  /** Expectations armed under rules no longer configured: deleted. */
  drops: Extract<SweepClaim, { type: 'expect' }>[];
  /** Where second-level escalations are posted; none configured: the thread mention is the last step. */
  escalationChannel?: string;
}

export interface SweepOutcome {
  opened: number;
  resolved: number;
  escalated: number;
  reminded: number;
}

/** What the detector worked out from events up to `cursor` (a seq); applied with the cursor, once. */
export interface DetectionBatch {
  /** The cursor the batch was read after; if it moved meanwhile, another run got there first. */
  from: number;
  cursor: number;
  changes: DetectionChange[];
  /** Wall-clock time of the detection, for the audit trail and outbox due times. */
  now: number;
}

export interface DetectionOutcome {
  opened: number;
  repeated: number;
  resolved: number;
}

export type PersonAction = 'acknowledge' | 'unacknowledge' | 'resolve';

export interface ActionInput {
  exceptionId: number;
  action: PersonAction;
  actor: string;
  /** The revision the actor saw; a different current revision makes the click stale. */
  revision: number;
  at: number;
  note?: string;
}

export interface ReassignInput {
  exceptionId: number;
  revision: number;
  actor: string;
  at: number;
  /** The handoff note: required, so the next owner knows what was tried. */
  note: string;
  /** A different owner team (and its channel), a person, or both. */
  team?: { name: string; channel: string };
  assignee?: string;
}

export interface GroupActionInput {
  groupId: number;
  revision: number;
  actor: string;
  at: number;
}

export type GroupActionOutcome =
  | { ok: true; acknowledged: number }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale' };

export type ActionOutcome =
  | { ok: true; exception: ExceptionRecord }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; exception: ExceptionRecord };

/** A thread reply, rendered when sent: repeats are counted then, so batching needs no rewrite. */
export type ThreadNote =
  | { type: 'repeats' }
  | { type: 'escalation'; mention?: string; waitedMs: number }
  | { type: 'reminder'; assignee: string; waitedMs: number }
  | {
      type: 'action';
      action: AuditEntry['action'];
      actor: string;
      note?: string;
      assignee?: string;
      team?: string;
    };

export type OutboxJob =
  | { id: number; kind: 'post'; channel: string; exception: ExceptionRecord; attempts: number }
  | { id: number; kind: 'update'; channel: string; exception: ExceptionRecord; attempts: number }
  | {
      id: number;
      kind: 'thread';
      channel: string;
      exception: ExceptionRecord;
      note: ThreadNote;
      attempts: number;
    }
  | {
      id: number;
      kind: 'ephemeral';
      channel: string;
      user: string;
      text: string;
      blocks?: unknown[];
      attempts: number;
    }
  | {
      id: number;
      kind: 'moved';
      channel: string;
      ts: string;
      exception: ExceptionRecord;
      actor: string;
      attempts: number;
    }
  | {
      id: number;
      kind: 'escalate';
      channel: string;
      exception: ExceptionRecord;
      waitedMs: number;
      attempts: number;
    }
  | { id: number; kind: 'group_post'; channel: string; group: ExceptionGroup; attempts: number }
  | { id: number; kind: 'digest'; channel: string; facts: DigestFacts; attempts: number }
  | { id: number; kind: 'group_update'; channel: string; group: ExceptionGroup; attempts: number };

export interface OutboxHealth {
  pending: number;
  failed: number;
  oldestPendingDueAt?: number;
  lastError?: string;
}
