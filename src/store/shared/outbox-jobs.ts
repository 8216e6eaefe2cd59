/**
 * What a claimed outbox row becomes for the sender, decided once for both stores: which message it
 * is about, in which channel, seen as what (a storm member's note is about the storm's message), and
 * whether an earlier attempt may already have reached Slack. The stores only load what it names.
 */
import type { DigestFacts } from '../../domain/digest.js';
import type { EscalationBoard } from '../../domain/escalation-board.js';
import type { ExceptionGroup, ExceptionRecord } from '../../domain/exception.js';
import type { WeeklyDigestFacts } from '../../domain/weekly.js';
import type { OutboxJob, ThreadNote } from '../exception-types.js';
import type { SilenceNote } from '../silence-types.js';

export type OutboxKind = OutboxJob['kind'];

/** An outbox row as the claim reads it. */
export interface OutboxRow {
  id: number;
  exception_id: number | null;
  group_id: number | null;
  kind: OutboxKind;
  channel: string;
  payload: string;
  attempts: number;
  in_doubt: 0 | 1;
  /** Non-zero on a row a sender leased and never settled: it died, or is dying, mid-call. */
  claimed_until: number;
}

/**
 * Kinds that call chat.postMessage: Slack paces these per channel, so a channel inside its pace
 * holds them back (updates and ephemeral replies have limits of their own).
 */
export const POSTING_KINDS: readonly OutboxKind[] = [
  'post',
  'thread',
  'escalate',
  'group_post',
  'board_post',
  'digest',
  'weekly_digest',
  'silence',
];

/** A lease that ran out unsettled means its sender died after the call may have gone out. */
export function claimedInDoubt(row: Pick<OutboxRow, 'in_doubt' | 'claimed_until'>): boolean {
  return row.in_doubt === 1 || row.claimed_until > 0;
}

/** What jobs are drawn from, loaded by the store: exceptions by id, storms by id, boards by team. */
export interface JobSources {
  exception(id: number): ExceptionRecord | undefined;
  group(id: number): ExceptionGroup | undefined;
  board(team: string): EscalationBoard | undefined;
}

/** What the rows name, so a store can load it all at once before drawing the jobs. */
export function sourcesNamedBy(rows: readonly OutboxRow[]): {
  exceptionIds: number[];
  groupIds: number[];
  boardTeams: string[];
} {
  const exceptionIds = new Set<number>();
  const groupIds = new Set<number>();
  const boardTeams = new Set<string>();
  for (const row of rows) {
    if (row.exception_id !== null) exceptionIds.add(row.exception_id);
    if (row.group_id !== null) groupIds.add(row.group_id);
    if (row.kind === 'board_post' || row.kind === 'board_update') boardTeams.add(boardTeamOf(row));
  }
  return { exceptionIds: [...exceptionIds], groupIds: [...groupIds], boardTeams: [...boardTeams] };
}

/** The team a board's outbox row draws (its payload, boardPayload in outbox-plans.ts). */
export function boardTeamOf(row: Pick<OutboxRow, 'payload'>): string {
  return (JSON.parse(row.payload) as { team: string }).team;
}

function required<T>(value: T | undefined, row: OutboxRow, what: string): T {
  if (value === undefined) throw new Error(`outbox row ${row.id} names a missing ${what}`);
  return value;
}

/** A note or escalation written for a storm is about the group's message: its thread, its link. */
function shownAs(exception: ExceptionRecord, row: OutboxRow, sources: JobSources): ExceptionRecord {
  if (row.group_id === null || row.exception_id === null) return exception;
  const group = sources.group(row.group_id);
  if (group === undefined) return exception;
  const { slackTs: _own, ...rest } = exception;
  return {
    ...rest,
    channel: group.channel,
    ...(group.slackTs !== undefined && { slackTs: group.slackTs }),
  };
}

export function toOutboxJob(row: OutboxRow, inDoubt: boolean, sources: JobSources): OutboxJob {
  const base = { id: row.id, channel: row.channel, attempts: row.attempts, inDoubt };
  if (row.kind === 'group_post' || row.kind === 'group_update') {
    const group = required(sources.group(row.group_id ?? -1), row, 'group');
    const current = { ...base, channel: group.channel, group };
    return row.kind === 'group_post'
      ? { ...current, kind: 'group_post' }
      : { ...current, kind: 'group_update' };
  }
  if (row.kind === 'digest')
    return { ...base, kind: 'digest', facts: JSON.parse(row.payload) as DigestFacts };
  if (row.kind === 'weekly_digest')
    return { ...base, kind: 'weekly_digest', facts: JSON.parse(row.payload) as WeeklyDigestFacts };
  if (row.kind === 'board_post' || row.kind === 'board_update') {
    const board = required(sources.board(boardTeamOf(row)), row, 'board');
    return { ...base, channel: board.channel, kind: row.kind, board };
  }
  if (row.kind === 'silence')
    return { ...base, kind: 'silence', note: JSON.parse(row.payload) as SilenceNote };
  if (row.kind === 'ephemeral') {
    const { user, text, blocks } = JSON.parse(row.payload) as {
      user: string;
      text: string;
      blocks?: unknown[];
    };
    return { ...base, kind: 'ephemeral', user, text, ...(blocks && { blocks }) };
  }
  const own = required(sources.exception(row.exception_id ?? -1), row, 'exception');
  if (row.kind === 'joined') {
    // Its own message, not the storm's: the usual view of a group row would swap them.
    const group = required(sources.group(row.group_id ?? -1), row, 'group');
    return { ...base, channel: own.channel, kind: 'joined', exception: own, group };
  }
  const exception = shownAs(own, row, sources);
  // Escalations are now lines on a team's board; rows written before that are still sent.
  if (row.kind === 'escalate') {
    const { waitedMs } = JSON.parse(row.payload) as { waitedMs: number };
    return { ...base, kind: 'escalate', waitedMs, exception };
  }
  if (row.kind === 'moved') {
    const { ts, actor } = JSON.parse(row.payload) as { ts: string; actor: string };
    return { ...base, kind: 'moved', ts, actor, exception };
  }
  // The exception's current channel: a reassignment may have moved it since the row was written.
  const current = { ...base, channel: exception.channel, exception };
  if (row.kind === 'thread')
    return { ...current, kind: 'thread', note: JSON.parse(row.payload) as ThreadNote };
  return row.kind === 'post' ? { ...current, kind: 'post' } : { ...current, kind: 'update' };
}
