import type { Stage } from './event.js';
import { addDays, atLocalTime, localDate } from './local-time.js';
import { matches, type NoiseMatch, type NoiseSubject } from './noise.js';

/** A silence lasts at most this long: longer than a week is a rule, and belongs in noise.suppress. */
export const MAX_SILENCE_MS = 7 * 86_400_000;

/** The team of a maintenance window that names none (or several): it holds back every team's. */
export const ALL_TEAMS = '*';

/** Who a maintenance window's silences are by. */
export const MAINTENANCE_ACTOR = 'maintenance';

/** Besides its team, what a silence from Slack or the command line may match (SPEC "Noise"). */
export const SILENCE_FIELDS = ['stage', 'step', 'error_code', 'source'] as const;
export type SilenceField = (typeof SILENCE_FIELDS)[number];

/** A stretch of time in which matching exceptions are raised and stored, but not posted or escalated. */
export interface Silence {
  id: number;
  /** The team whose exceptions it holds back; ALL_TEAMS for a maintenance window over several. */
  team: string;
  match: NoiseMatch;
  /** Why, in the words of whoever made it (a maintenance window's name). */
  reason: string;
  /** A Slack user id, "cli:<login>" from the command line, or MAINTENANCE_ACTOR. */
  createdBy: string;
  createdAt: number;
  startsAt: number;
  endsAt: number;
  /** Set when it was ended early, or once its end was acted on. */
  endedAt?: number;
  endedBy?: string;
  /** "name@start" for a maintenance window's occurrence. */
  maintenance?: string;
  /** When its end was told in Slack and what it held back was posted: once. */
  summarisedAt?: number;
}

export type SilenceProblems = Partial<Record<'match' | 'for' | 'reason', string>>;

/**
 * What is wrong with a silence someone asks for, each in a sentence for them: it must name at least
 * one thing besides its team (a team-wide silence would hide real incidents), last at most a week,
 * and say why. Empty when it may be made.
 */
export function silenceProblems(request: {
  match: NoiseMatch;
  forMs: number;
  reason: string;
}): SilenceProblems {
  const problems: SilenceProblems = {};
  const named = Object.entries(request.match).some(
    ([field, values]) => field !== 'team' && Array.isArray(values) && values.length > 0,
  );
  if (!named) problems.match = 'Keep at least one of stage, step, error code or source besides the team.';
  if (!(request.forMs > 0)) problems.for = 'Give how long it lasts.';
  else if (request.forMs > MAX_SILENCE_MS) problems.for = 'A silence lasts at most 7 days.';
  const reason = request.reason.trim();
  if (reason === '') problems.reason = 'Say why, for whoever wonders where the exceptions went.';
  else if (reason.length > 300) problems.reason = 'Keep the reason under 300 characters.';
  return problems;
}

/** The same match written the same way (fields and values sorted): how an identical silence is found. */
export function canonicalMatch(match: NoiseMatch): string {
  const fields = Object.entries(match)
    .filter(([, values]) => Array.isArray(values) && values.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([field, values]) => [field, [...new Set(values as string[])].sort()]);
  return JSON.stringify(Object.fromEntries(fields));
}

/** True when the silence holds back an exception with these facts raised at `at`. */
export function silenceHolds(silence: Silence, subject: NoiseSubject, at: number): boolean {
  if (silence.endedAt !== undefined || at < silence.startsAt || at >= silence.endsAt) return false;
  if (silence.team !== ALL_TEAMS && silence.team !== subject.team) return false;
  return matches(silence.match, subject);
}

const FIELD_WORDS: Record<string, string> = {
  stage: 'stage',
  step: 'step',
  error_code: 'error code',
  source: 'source',
  kind: 'kind',
  team: 'team',
};

/** "stage payment, error code processing_error or timeout": what a match names, in words. */
export function describeMatch(match: NoiseMatch): string {
  const order = Object.keys(FIELD_WORDS);
  const parts = Object.entries(match)
    .filter(([, values]) => Array.isArray(values) && values.length > 0)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([field, values]) => `${FIELD_WORDS[field] ?? field} ${(values as string[]).join(' or ')}`);
  return parts.length > 0 ? parts.join(', ') : 'everything';
}

/** The ⋯ menu's snoozes: 30 minutes, an hour, four hours, or until the team's next morning digest. */
export const SNOOZE_CHOICES = ['30m', '1h', '4h', 'digest'] as const;
export type SnoozeChoice = (typeof SNOOZE_CHOICES)[number];

const SNOOZE_MS: Record<Exclude<SnoozeChoice, 'digest'>, number> = {
  '30m': 30 * 60_000,
  '1h': 3_600_000,
  '4h': 4 * 3_600_000,
};

/** When a snooze chosen at `now` ends; "digest" is tomorrow's digest time in the team's zone. */
export function snoozeEnd(
  choice: SnoozeChoice,
  now: number,
  digest: { at: string; timeZone: string },
): number {
  if (choice !== 'digest') return now + SNOOZE_MS[choice];
  const tomorrow = addDays(localDate(now, digest.timeZone), 1);
  return atLocalTime(tomorrow, digest.at, digest.timeZone);
}

/** The fields of an exception a silence like it can keep (those it has), each with its value. */
export function silenceFieldsOf(facts: {
  stage: Stage;
  step: string;
  errorCode?: string;
  source?: string;
}): { field: SilenceField; value: string }[] {
  const values: Record<SilenceField, string | undefined> = {
    stage: facts.stage,
    step: facts.step,
    error_code: facts.errorCode,
    source: facts.source,
  };
  return SILENCE_FIELDS.flatMap((field) => {
    const value = values[field];
    return value === undefined ? [] : [{ field, value }];
  });
}

/** "Silence like this": the kept fields of an exception, as a match (its team is kept apart). */
export function matchLike(
  facts: { stage: Stage; step: string; errorCode?: string; source?: string },
  kept: readonly SilenceField[],
): NoiseMatch {
  const match: NoiseMatch = {};
  if (kept.includes('stage')) match.stage = [facts.stage];
  if (kept.includes('step')) match.step = [facts.step];
  if (kept.includes('error_code') && facts.errorCode !== undefined) match.error_code = [facts.errorCode];
  if (kept.includes('source') && facts.source !== undefined) match.source = [facts.source];
  return match;
}
