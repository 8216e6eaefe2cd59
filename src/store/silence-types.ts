import type { NoiseMatch } from '../domain/noise.js';
import type { Silence } from '../domain/silence.js';
import type { SweepClaim } from './exception-types.js';

/** A silence someone asks for (Slack, the command line); the store finds an identical active one. */
export interface NewSilence {
  team: string;
  match: NoiseMatch;
  reason: string;
  createdBy: string;
  at: number;
  endsAt: number;
  /** The team's channel, told that its exceptions are silenced. */
  channel?: string;
}

/**
 * `extended`: an active silence with the same team and match now lasts longer; `unchanged`: it
 * already lasted as long or longer.
 */
export interface SilenceOutcome {
  action: 'created' | 'extended' | 'unchanged';
  silence: Silence;
}

export interface EndSilenceInput {
  id: number;
  actor: string;
  at: number;
}

export type EndSilenceOutcome =
  | { ok: true; silence: Silence }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'already_ended'; silence: Silence };

export interface SilenceAuditEntry {
  silenceId: number;
  at: number;
  actor: string;
  action: 'created' | 'extended' | 'ended';
  note?: string;
}

/** An active silence, with how many of the exceptions it holds back are still open. */
export interface ActiveSilence extends Silence {
  heldOpen: number;
}

/** What a silence would match now: open exceptions, and those raised in the last day. */
export interface SilencePreview {
  open: number;
  lastDay: number;
}

/** One silence and how many of a team's exceptions it held back in a window (the digest). */
export interface SilencedCount {
  silence: Silence;
  count: number;
}

export interface SnoozeInput {
  exceptionId: number;
  /** The revision the actor saw; a different one makes the click stale. */
  revision: number;
  actor: string;
  until: number;
  at: number;
}

/** What the sweep settles about noise, in one transaction. */
export interface NoiseSweepInput {
  now: number;
  /** Maintenance occurrences under way or about to start: each recorded once, as a silence. */
  maintenance: {
    key: string;
    team: string;
    match: NoiseMatch;
    reason: string;
    startsAt: number;
    endsAt: number;
  }[];
  /** Each team's channel, where a silence's end is told. */
  channels: Record<string, string>;
  limit: number;
}

export interface NoiseSweepOutcome {
  snoozesEnded: number;
  silencesEnded: number;
  /** Exceptions a silence held back, posted now that it ended. */
  released: number;
}

/** Due checks a maintenance window holds back: looked at again when it closes, not consumed. */
export interface HoldBackInput {
  items: { claim: Extract<SweepClaim, { type: 'stall' | 'expect' }>; until: number }[];
}

/** Posted to a team's channel when a silence begins, and when it ends. */
export type SilenceNote =
  | { type: 'started'; silence: Silence; extended: boolean }
  | {
      type: 'ended';
      silence: Silence;
      /** Raised for this team while it held. */
      raised: number;
      resolvedAutomatically: number;
      resolvedByPeople: number;
      stillOpen: number;
      /** Of those still open, how many were held back and are posted now (below this note). */
      posted: number;
    };
