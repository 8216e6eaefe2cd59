import type { DigestFacts } from '../domain/digest.js';
import type { EscalationBoard } from '../domain/escalation-board.js';
import type { Stage } from '../domain/event.js';
import type {
  AuditEntry,
  ExceptionFacts,
  ExceptionGroup,
  ExceptionRecord,
  Routing,
} from '../domain/exception.js';
import type { RateTally } from '../domain/rates.js';
import type { StageTimeTally, StepTally } from '../domain/rollups.js';
import type { Suppressed } from '../domain/suppression.js';
import type { WeeklyDigestFacts } from '../domain/weekly.js';
import type { RateStep } from './noise-types.js';
import type { SilenceNote } from './silence-types.js';
import type { DetectionCursor } from './store.js';

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
  /** Stalls that noise.suppress holds back: claimed and counted, never raised. */
  suppressed?: (Suppressed & { claim: SweepClaim })[];
  /** Rate rules whose state or figures moved. */
  rates?: RateStep[];
}

export interface SweepOutcome {
  opened: number;
  resolved: number;
  /** For each exception resolved automatically: how long after it was first seen. */
  resolvedAfterMs: number[];
  escalated: number;
  reminded: number;
  /** The rules whose `rate` exception this sweep raised. */
  raisedRates?: string[];
  /** The reason of each stall noise.suppress held back in this sweep. */
  suppressed?: string[];
}

/** What the detector worked out from events up to `cursor` (a seq); applied with the cursor, once. */
export interface DetectionBatch {
  /** The cursor the batch was read after; if it moved meanwhile, another run got there first. */
  from: DetectionCursor;
  /** Where detection stands once this batch is applied (the page's `next`). */
  cursor: DetectionCursor;
  changes: DetectionChange[];
  /** Wall-clock time of the detection, for the audit trail and outbox due times. */
  now: number;
  /** Failures noise.suppress held back: their events marked, counted per minute, team and reason. */
  suppressed?: Suppressed[];
  /** What the batch adds to each rate rule's per-minute attempts, failures and error codes. */
  rateTallies?: RateTally[];
  /** What the batch adds to trends' hourly roll-ups. */
  rollup?: DetectionRollup;
}

/** Trends' share of a detection batch: hourly step tallies, carts' stage marks that moved, hand-offs. */
export interface DetectionRollup {
  steps: StepTally[];
  moved: [cartId: string, stage: Stage, enteredAt: number][];
  times: StageTimeTally[];
}

export interface DetectionOutcome {
  opened: number;
  repeated: number;
  resolved: number;
  /** For each exception resolved automatically: how long after it was first seen. */
  resolvedAfterMs: number[];
  /** Failures held back by noise.suppress (0 or absent when this batch was not the one applied). */
  suppressed?: number;
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
  /** The newest member the clicked drawing showed (ExceptionGroup.lastMemberId); absent: every member. */
  upTo?: number;
  actor: string;
  at: number;
}

export type GroupActionOutcome =
  /** `acknowledgedAfterMs`: for each member, how long after it was first seen. */
  | { ok: true; acknowledged: number; acknowledgedAfterMs: number[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale' };

/** "Resolve all": the note, if any, goes to every member's audit entry and to the storm's thread. */
export interface GroupResolveInput extends GroupActionInput {
  note?: string;
}

export type GroupResolveOutcome =
  /** `resolvedAfterMs`: for each member, how long after it was first seen. */
  | { ok: true; resolved: number; resolvedAfterMs: number[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale' };

export type ActionOutcome =
  | { ok: true; exception: ExceptionRecord }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; exception: ExceptionRecord };

/** A thread reply, rendered when sent: repeats are counted then, so batching needs no rewrite. */
export type ThreadNote =
  | { type: 'repeats' }
  /** Another rule noticed the same stuck cart: its reason joins the open stall. */
  | { type: 'also'; reason: string }
  | { type: 'escalation'; mention?: string; waitedMs: number }
  | { type: 'reminder'; assignee: string; waitedMs: number }
  /** Snoozed from the message's ⋯ menu: no escalation or reminder until then. */
  | { type: 'snoozed'; actor: string; until: number }
  /** The snooze ran out with the exception still unresolved: escalation or reminders resume. */
  | { type: 'snooze_ended'; snoozedBy: string; state: 'open' | 'acknowledged' }
  | {
      type: 'action';
      action: AuditEntry['action'];
      actor: string;
      note?: string;
      assignee?: string;
      team?: string;
    }
  /** Acknowledge all or Resolve all on a storm: one reply for all its members. */
  | {
      type: 'group_action';
      action: 'acknowledged' | 'resolved';
      actor: string;
      count: number;
      note?: string;
    };

/** What every outbox row carries, whatever it sends. */
export interface OutboxRowBase {
  id: number;
  channel: string;
  attempts: number;
  /**
   * An earlier attempt may have reached Slack without its answer reaching us (the process died
   * mid-call, or the call timed out): before posting again, look for the message first.
   */
  inDoubt: boolean;
  /**
   * The fencing token of the channel lease it was claimed under (Postgres, where several instances
   * send; a store with one sender has none). Handed back with complete, retry, release or fail: once
   * another sender has claimed the row again, a write under an older token changes nothing.
   */
  token?: number;
}

export type OutboxJob = OutboxRowBase &
  (
    | { kind: 'post'; exception: ExceptionRecord }
    | { kind: 'update'; exception: ExceptionRecord }
    | { kind: 'thread'; exception: ExceptionRecord; note: ThreadNote }
    | { kind: 'ephemeral'; user: string; text: string; blocks?: unknown[] }
    /** A silence began, or ended (with what happened meanwhile), told in a team's channel. */
    | { kind: 'silence'; note: SilenceNote }
    | { kind: 'moved'; ts: string; exception: ExceptionRecord; actor: string }
    | { kind: 'escalate'; exception: ExceptionRecord; waitedMs: number }
    | { kind: 'group_post'; group: ExceptionGroup }
    | { kind: 'digest'; facts: DigestFacts }
    | { kind: 'weekly_digest'; facts: WeeklyDigestFacts }
    | { kind: 'group_update'; group: ExceptionGroup }
    /** An exception's own message, posted before its storm formed, redrawn to point to the storm. */
    | { kind: 'joined'; exception: ExceptionRecord; group: ExceptionGroup }
    /** A team's escalation board, drawn as it stands when sent. */
    | { kind: 'board_post'; board: EscalationBoard }
    | { kind: 'board_update'; board: EscalationBoard }
  );

export interface OutboxHealth {
  pending: number;
  failed: number;
  oldestPendingDueAt?: number;
  lastError?: string;
}
