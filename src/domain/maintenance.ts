import { addDays, atLocalTime, localDate, weekdayOf } from './local-time.js';
import type { MaintenanceWindow, NoiseMatch, NoiseSubject } from './noise.js';
import { ALL_TEAMS, MAINTENANCE_ACTOR, type Silence, silenceHolds } from './silence.js';

/** One occurrence of a maintenance window: recorded once as a silence, under its key. */
export interface Occurrence {
  /** "name@start": the same occurrence is the same key, across sweeps and restarts. */
  key: string;
  name: string;
  /** The one team it names, else ALL_TEAMS (the match then keeps its team list, if any). */
  team: string;
  match: NoiseMatch;
  startsAt: number;
  endsAt: number;
}

const DAY = 86_400_000;

/** The occurrences of the windows that overlap [from, to). */
export function occurrencesBetween(
  windows: readonly MaintenanceWindow[],
  from: number,
  to: number,
): Occurrence[] {
  return windows.flatMap((window) =>
    startsOf(window, from, to)
      .map((startsAt) => occurrence(window, startsAt))
      .filter((o) => o.startsAt < to && o.endsAt > from),
  );
}

function startsOf(window: MaintenanceWindow, from: number, to: number): number[] {
  if (window.kind === 'once') return [window.fromAt];
  const zone = window.timezone;
  // Every local date that could hold a start of an occurrence still running at `from`, up to `to`.
  const first = localDate(from - window.forMs - DAY, zone);
  const last = localDate(to + DAY, zone);
  const starts: number[] = [];
  for (let date = first; date <= last; date = addDays(date, 1)) {
    if (weekdayOf(date) === window.weekday) starts.push(atLocalTime(date, window.time, zone));
  }
  return starts;
}

function occurrence(window: MaintenanceWindow, startsAt: number): Occurrence {
  const endsAt = window.kind === 'once' ? window.untilAt : startsAt + window.forMs;
  const { team: teams, ...rest } = window.match;
  const single = teams?.length === 1 ? teams[0] : undefined;
  return {
    key: `${window.name}@${new Date(startsAt).toISOString()}`,
    name: window.name,
    team: single ?? ALL_TEAMS,
    match: single === undefined ? window.match : rest,
    startsAt,
    endsAt,
  };
}

/**
 * The occurrence holding back a check that falls due now (an SLA stall, a silent source), if any:
 * it is looked at again when the window closes, and raised then if still wrong.
 */
export function maintenanceHolding(
  windows: readonly MaintenanceWindow[],
  subject: NoiseSubject,
  now: number,
): Occurrence | undefined {
  return occurrencesBetween(windows, now, now + 1).find((o) => silenceHolds(asSilence(o), subject, now));
}

function asSilence(o: Occurrence): Silence {
  return {
    id: 0,
    team: o.team,
    match: o.match,
    reason: o.name,
    createdBy: MAINTENANCE_ACTOR,
    createdAt: o.startsAt,
    startsAt: o.startsAt,
    endsAt: o.endsAt,
  };
}
