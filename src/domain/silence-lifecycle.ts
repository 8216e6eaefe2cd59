import { SYSTEM_ACTOR } from './exception.js';
import { ALL_TEAMS, MAINTENANCE_ACTOR, type Silence } from './silence.js';

/**
 * A silence's life, decided once for both stores: when it holds, when a request lengthens one
 * already holding, when it may be ended early, and who its end is told to.
 */

/** Holding at `now`: begun, not over, not ended early, and its end not yet told. */
export function silenceIsActive(silence: Silence, now: number): boolean {
  return (
    silence.summarisedAt === undefined &&
    silence.endedAt === undefined &&
    silence.startsAt <= now &&
    now < silence.endsAt
  );
}

/**
 * Of the silences with a request's team and match (canonicalMatch), the one the request lengthens:
 * holding now and asked for by a person (a maintenance occurrence keeps its own end), latest end first.
 */
export function identicalSilence(candidates: readonly Silence[], at: number): Silence | undefined {
  return candidates
    .filter((s) => s.maintenance === undefined && silenceIsActive(s, at))
    .reduce<Silence | undefined>(
      (best, s) => (best === undefined || s.endsAt > best.endsAt ? s : best),
      undefined,
    );
}

/** Asked again for an identical silence: it lasts longer, or already lasts as long. */
export function renewalOf(same: Silence, endsAt: number): 'extended' | 'unchanged' {
  return endsAt <= same.endsAt ? 'unchanged' : 'extended';
}

/** The audit note of a silence lengthened. */
export function extensionNote(endsAt: number, reason: string): string {
  return `until ${new Date(endsAt).toISOString()}: ${reason}`;
}

export const EARLY_END_NOTE = 'ended early';
export const RAN_OUT_NOTE = 'ran out';

/** Ended already, told already, or over by then: ending it early changes nothing. */
export function alreadyEnded(silence: Silence, at: number): boolean {
  return silence.endedAt !== undefined || silence.summarisedAt !== undefined || silence.endsAt <= at;
}

/** What ending a silence early sets: it ends now, by whoever ended it. */
export function earlyEnd(silence: Silence, input: { actor: string; at: number }) {
  return { endedAt: input.at, endedBy: input.actor, endsAt: Math.min(silence.endsAt, input.at) };
}

/** Its end told: when it ended (early, or when it ran out). */
export function settledEndedAt(silence: Silence): number {
  return silence.endedAt ?? silence.endsAt;
}

/** Who ended a silence that ran out (rather than being ended by a person): its window, or Cartwatch. */
export function ranOutActor(silence: Silence): string {
  return silence.createdBy === MAINTENANCE_ACTOR ? MAINTENANCE_ACTOR : SYSTEM_ACTOR;
}

/** A team's silence tells its team; one over all teams tells those it names, else those it held back. */
export function teamsToTell(silence: Silence, raisedTeams: readonly string[]): string[] {
  if (silence.team !== ALL_TEAMS) return [silence.team];
  return silence.match.team ?? [...new Set(raisedTeams)].sort();
}

/** Silences holding now, counted by team (metrics): one over all teams is counted as "all". */
export function activeByTeam(active: readonly Silence[]): { team: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const s of active) counts.set(s.team, (counts.get(s.team) ?? 0) + 1);
  return [...counts].map(([team, count]) => ({ team: team === ALL_TEAMS ? 'all' : team, count }));
}
