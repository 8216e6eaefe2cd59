/**
 * When the Slack writes a change causes are due, and which of them are needed at all, decided once
 * for both stores' outboxes, storm placement and escalation boards.
 */
import { BOARD_LEVEL } from '../../domain/escalation-board.js';
import type { Placement, StormCandidate } from '../../domain/grouping.js';
import type { ThreadNote } from '../exception-types.js';

/**
 * How soon a message is drawn again after a change: `now`, or `paced` when detection changed it (a
 * storm grew, an exception repeated), which redraws it at most once every REDRAW_EVERY_MS.
 */
export type Redraw = 'now' | 'paced';

/**
 * Slack allows chat.update about 50 times a minute per workspace (Tier 3). A storm's message redrawn
 * at every failure of an outage spends that within seconds, and the 429s that follow hold back new
 * alerts in the channel; a count a few seconds old costs nobody anything. People's clicks, and
 * anything that changes what someone must do, are drawn at once (and hurry a paced redraw along).
 */
export const REDRAW_EVERY_MS = 3_000;

/**
 * How a storm's message is drawn again when a member joins. Its buttons act on members up to the
 * newest id a drawing showed, which holds while members join in id order (a new exception is the
 * newest). One older than the newest member (held by a silence meanwhile, or a raise that waited for
 * another's lock) would fall inside earlier drawings' reach: those drawings go stale instead.
 */
export function joinRedraw(joinerId: number, newestMemberId: number | null): Redraw {
  return newestMemberId !== null && joinerId < newestMemberId ? 'now' : 'paced';
}

/** The message's latest post or redraw row, as the outbox holds it. */
export interface LastDraw {
  sent_at: number | null;
  claimed_until: number;
}

/** When a paced redraw is due: `everyMs` after the last drawing sent (or going out now). */
export function pacedRedrawDueAt(last: LastDraw | undefined, now: number, everyMs = REDRAW_EVERY_MS): number {
  const drawnAt = last === undefined ? null : (last.sent_at ?? (last.claimed_until > now ? now : null));
  return drawnAt === null ? now : Math.max(now, drawnAt + everyMs);
}

/**
 * An escalation board sums up what waits (the storms' own messages keep the live counts), and an
 * outage redraws its board as often as its storm: at the storms' pace the two would take most of
 * the workspace's chat.update allowance between them. Detection's changes to a board wait longer.
 */
export const BOARD_REDRAW_EVERY_MS = 10_000;

/** Repeats of one exception are told in its thread at most this often, with the count so far. */
export const REPEAT_NOTE_EVERY_MS = 5 * 60_000;
/** A repeats note's payload: equal text, so a pending one is found by it. */
export const REPEATS_PAYLOAD = JSON.stringify({ type: 'repeats' } satisfies ThreadNote);

/**
 * Batches repeats: one note waiting at a time (undefined: none to add), due no sooner than
 * REPEAT_NOTE_EVERY_MS after the last one sent.
 */
export function repeatNoteDueAt(
  notes: { pending: boolean; lastSentAt: number | null },
  now: number,
): number | undefined {
  if (notes.pending) return undefined;
  return notes.lastSentAt === null ? now : Math.max(now, notes.lastSentAt + REPEAT_NOTE_EVERY_MS);
}

/**
 * When an exception placed on its own is posted: at once, or after the short wait (or the window of
 * one like it already shown) that lets a storm still form.
 */
export function alonePostDueAt(
  placement: Extract<Placement, { type: 'alone' }>,
  waitMs: number,
  now: number,
): number {
  return placement.wait ? Math.max(now + waitMs, placement.until ?? 0) : now;
}

/** An ungrouped like exception within the window, as a store read it. */
export interface CandidateRow {
  id: number;
  raised_at: number;
  state: string;
  assignee: string | null;
  slack_ts: string | null;
  /** Its own post is pending and being sent right now, or was sent in doubt. */
  post_under_way: boolean;
}

/** A store's candidate row as the grouping rules see it. */
export function toStormCandidate(row: CandidateRow): StormCandidate {
  return {
    id: row.id,
    raisedAt: row.raised_at,
    hasMessage: row.slack_ts !== null || row.post_under_way,
    handedToPerson: row.state === 'open' && row.assignee !== null,
    resolved: row.state === 'resolved',
  };
}

/**
 * Raised under a silence and not shown anywhere yet (its silence's end, or a handoff, shows it):
 * no message of its own, and none coming, so nothing to redraw.
 */
export function isHeldBack(
  row: { silence_id: number | null; slack_ts: string | null; group_id: number | null },
  hasPost: boolean,
): boolean {
  return row.silence_id !== null && row.slack_ts === null && row.group_id === null && !hasPost;
}

/** A board's outbox rows name their team in the payload; equal text, so rows are found by it. */
export function boardPayload(team: string): string {
  return JSON.stringify({ team });
}

/**
 * When a board's new write is due: at once, or, for detection's changes (a listed storm grew, a
 * listed exception recovered), BOARD_REDRAW_EVERY_MS after its last drawing: a long outage on the
 * board would otherwise update it at every failure and spend Slack's chat.update pace for the whole
 * workspace. `inFlightUntil`: a write of it is going out now (its lease's end).
 */
export function boardDueAt(
  board: { drawn_at: number | null },
  inFlightUntil: number | null,
  redraw: Redraw,
  now: number,
): number {
  if (redraw === 'now') return now;
  const last: LastDraw | undefined =
    inFlightUntil !== null
      ? { sent_at: null, claimed_until: inFlightUntil }
      : board.drawn_at === null
        ? undefined
        : { sent_at: board.drawn_at, claimed_until: 0 };
  return pacedRedrawDueAt(last, now, BOARD_REDRAW_EVERY_MS);
}

/**
 * What drawing a board again adds: nothing while a write of it waits unclaimed (it renders the board
 * as it is when sent; a change that must show at once brings it forward); else an update of a board
 * posted, or being posted (rows of one board go in order); else its post.
 */
export function boardWrite(
  board: { slack_ts: string | null },
  pending: { waiting: boolean; posting: boolean },
): 'board_post' | 'board_update' | undefined {
  if (pending.waiting) return undefined;
  return board.slack_ts !== null || pending.posting ? 'board_update' : 'board_post';
}

/** Another escalation channel configured: the board starts again there, its old writes dropped. */
export function boardMoved(before: { channel: string } | undefined, channel: string): boolean {
  return before !== undefined && before.channel !== channel;
}

/**
 * Which board a changed exception (read before the change) is on: its team's, directly ('board'),
 * perhaps through its storm ('storm', when the storm is listed), or none.
 */
export function boardOfChange(row: {
  escalation_level: number;
  group_id: number | null;
}): 'board' | 'storm' | 'none' {
  if (row.escalation_level >= BOARD_LEVEL) return 'board';
  return row.group_id !== null ? 'storm' : 'none';
}
