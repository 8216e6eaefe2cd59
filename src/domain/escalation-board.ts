import type { Money, Stage } from './event.js';
import type { ExceptionKind, ExceptionRecord } from './exception.js';
import { valueAtRisk } from './money.js';

/**
 * The escalation channel holds one living message per team: what is still unacknowledged past the
 * limit. An exception is listed from its second escalation step (the first is a mention in its
 * own thread) until it is acknowledged, resolved or handed on.
 */
export const BOARD_LEVEL = 2;

export function isOnBoard(exception: { state: string; escalationLevel: number }): boolean {
  return exception.state === 'open' && exception.escalationLevel >= BOARD_LEVEL;
}

/** One line of a board: an exception, or a whole storm (a storm escalates once, so it is one line). */
export interface BoardLine {
  kind: ExceptionKind;
  stage: Stage;
  step: string;
  errorCode?: string;
  /** The cart of a single exception; a storm names how many carts instead. */
  cartId?: string;
  carts: number;
  storm: boolean;
  /** Each cart counted once. */
  value: Money[];
  /** When the oldest of it was raised: how long it has waited. */
  since: number;
  /** Where its message is (the storm's message for a storm); `slackTs` once posted. */
  channel: string;
  slackTs?: string;
}

export interface EscalationBoard {
  team: string;
  /** The escalation channel the board lives in, and its message once posted. */
  channel: string;
  slackTs?: string;
  /** Oldest first. Empty: all caught up. */
  lines: BoardLine[];
  /** Unacknowledged exceptions listed, storm members counted one by one. */
  exceptions: number;
  /** Over everything listed, each cart once. */
  valueAtRisk: Money[];
}

/** Where a storm's message is, for its line's link. */
export interface StormMessage {
  channel: string;
  slackTs?: string;
}

/**
 * A team's board from its open exceptions: those past the limit one line each, and each storm with
 * any member past the limit one line for all its open members. Rows not on the board are ignored,
 * so a store may hand over more than it must.
 */
export function buildBoard(
  board: { team: string; channel: string; slackTs?: string },
  open: readonly ExceptionRecord[],
  storms: ReadonlyMap<number, StormMessage>,
): EscalationBoard {
  const alone: ExceptionRecord[] = [];
  const members = new Map<number, ExceptionRecord[]>();
  for (const exception of open) {
    if (exception.state !== 'open' || exception.team !== board.team) continue;
    if (exception.groupId === undefined) {
      if (isOnBoard(exception)) alone.push(exception);
      continue;
    }
    members.set(exception.groupId, [...(members.get(exception.groupId) ?? []), exception]);
  }
  const listed: ExceptionRecord[] = [...alone];
  const lines = alone.map(lineOf);
  for (const [groupId, group] of members) {
    if (!group.some(isOnBoard)) continue;
    listed.push(...group);
    lines.push(stormLine(group, storms.get(groupId)));
  }
  lines.sort((a, b) => a.since - b.since);
  return {
    ...board,
    lines,
    exceptions: listed.length,
    valueAtRisk: valueAtRisk(listed),
  };
}

function lineOf(exception: ExceptionRecord): BoardLine {
  const line: BoardLine = {
    kind: exception.kind,
    stage: exception.stage,
    step: exception.step,
    carts: 1,
    storm: false,
    value: valueAtRisk([exception]),
    since: exception.raisedAt,
    channel: exception.channel,
  };
  if (exception.errorCode !== undefined) line.errorCode = exception.errorCode;
  if (exception.cartId !== undefined) line.cartId = exception.cartId;
  if (exception.slackTs !== undefined) line.slackTs = exception.slackTs;
  return line;
}

function stormLine(members: readonly ExceptionRecord[], message: StormMessage | undefined): BoardLine {
  const first = members.reduce((a, b) => (b.raisedAt < a.raisedAt ? b : a));
  const { cartId: _one, slackTs: _own, ...line } = lineOf(first);
  const carts = new Set(members.map((m) => m.cartId ?? `#${m.id}`)).size;
  return {
    ...line,
    carts,
    storm: true,
    value: valueAtRisk(members),
    channel: message?.channel ?? first.channel,
    ...(message?.slackTs !== undefined && { slackTs: message.slackTs }),
  };
}
