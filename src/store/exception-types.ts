import type { Stage } from '../domain/event.js';
import type { AuditEntry, ExceptionFacts, ExceptionRecord, Routing } from '../domain/exception.js';

/** One consequence of an event, in event order (a failure and its later success in one batch). */
export type DetectionChange =
  | { type: 'raise'; facts: ExceptionFacts; routing: Routing; at: number }
  | { type: 'resolve'; cartId: string; stage: Stage; at: number };

/** What the detector worked out from events up to `cursor` (a seq); applied with the cursor, once. */
export interface DetectionBatch {
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

export type ActionOutcome =
  | { ok: true; exception: ExceptionRecord }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; exception: ExceptionRecord };

/** A thread reply, rendered when sent: repeats are counted then, so batching needs no rewrite. */
export type ThreadNote =
  | { type: 'repeats' }
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
  | { id: number; kind: 'ephemeral'; channel: string; user: string; text: string; attempts: number }
  | {
      id: number;
      kind: 'moved';
      channel: string;
      ts: string;
      exception: ExceptionRecord;
      actor: string;
      attempts: number;
    };

export interface OutboxHealth {
  pending: number;
  failed: number;
  oldestPendingDueAt?: number;
  lastError?: string;
}
