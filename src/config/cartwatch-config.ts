import type { Stage } from '../domain/event.js';
import {
  CUSTOMER_CAUSED_PAYMENT_CODES,
  type MaintenanceWindow,
  type NoiseConfig,
  type NoiseMatch,
  type RateRule,
} from '../domain/noise.js';
import { parseWeeklySchedule, type WeeklySchedule } from '../domain/weekly.js';
import type { ConfigFile } from './file-schema.js';

export interface TeamConfig {
  channel: string;
  mention?: string;
  /** The team's own zone, else the top-level one. */
  timezone: string;
  members?: string[];
}

// A type alias (not an interface) so it fits the domain's structural RouteRule.
export type RouteMatch = {
  stage?: Stage[];
  step?: string[];
  source?: string[];
  kind?: string[];
  error_code?: string[];
  owner?: string[];
};

export interface Route {
  match?: RouteMatch;
  team: string;
}

export interface StepRef {
  stage: Stage;
  step: string;
}

export interface ExpectRule {
  after: StepRef;
  /** YAML's `then`, renamed so a rule is never mistaken for a promise. */
  next: StepRef;
  withinMs: number;
}

export interface BacklogRule {
  maxWaiting?: number;
  maxAgeMs?: number;
}

/** cartwatch.yml, validated and normalised: durations in ms, sizes in bytes, scalars made lists. */
export interface CartwatchConfig {
  timezone: string;
  teams: Record<string, TeamConfig>;
  routes: Route[];
  slaMs: Partial<Record<Stage, number>>;
  expect: ExpectRule[];
  backlog: Partial<Record<Stage, BacklogRule>>;
  sources: Record<string, { everyMs: number }>;
  escalation: { afterMs: number; channel?: string; remindAcknowledgedAfterMs: number };
  /** `weekly`: when each team's weekly digest runs; absent, none (`digest.weekly: false`). */
  digest: { at: string; skipQuiet: boolean; weekly?: WeeklySchedule };
  retentionDays: number;
  ingest: { maxBodyBytes: number };
  noise: NoiseConfig;
  maintenance: MaintenanceWindow[];
}

/**
 * The noise rules in force when cartwatch.yml has no `noise` key: customer-caused payment failures
 * are suppressed, and the payment stage as a whole is watched for a jump in its failure rate, so
 * the declines held back one by one still surface when they become news.
 */
export const DEFAULT_NOISE: NoiseConfig = {
  suppress: [
    {
      match: { stage: ['payment'], error_code: [...CUSTOMER_CAUSED_PAYMENT_CODES] },
      reason: 'customer-caused',
    },
  ],
  rates: [
    {
      name: 'payment',
      match: { stage: ['payment'] },
      windowMs: 15 * 60_000,
      minAttempts: 40,
      above: 0.2,
      baseline: 2,
    },
  ],
};

/**
 * Cross-references the schema cannot see: routes name known teams, and the default route comes last.
 * Read from the raw document, so they are reported alongside the schema's problems, not after them.
 */
export function crossReferenceProblems(raw: unknown): string[] {
  const doc = isObject(raw) ? raw : {};
  const teams = isObject(doc.teams) ? doc.teams : {};
  const routes = Array.isArray(doc.routes) ? doc.routes : [];
  const problems: string[] = [];
  routes.forEach((route: unknown, i) => {
    if (!isObject(route)) return;
    if (typeof route.team === 'string' && !(route.team in teams)) {
      problems.push(`routes[${i}].team: unknown team "${route.team}"`);
    }
    if (route.match === undefined && i < routes.length - 1) {
      problems.push(
        `routes[${i}]: a route without match catches everything, so the routes after it never apply`,
      );
    }
  });
  const windows = Array.isArray(doc.maintenance) ? doc.maintenance : [];
  windows.forEach((window: unknown, i) => {
    const named = isObject(window) && isObject(window.match) ? window.match.team : undefined;
    for (const name of Array.isArray(named) ? named : named === undefined ? [] : [named]) {
      if (typeof name === 'string' && !(name in teams))
        problems.push(`maintenance[${i}].match.team: unknown team "${name}"`);
    }
  });
  const last: unknown = routes[routes.length - 1];
  if (isObject(last) && last.match !== undefined) {
    problems.push('routes: the last route must have no match: it is the default for everything else');
  }
  if (isObject(doc.teams) && Object.keys(teams).length === 0)
    problems.push('teams: define at least one team');
  return problems;
}

type FileTeam = ConfigFile['teams'][string];
type FileNoise = NonNullable<ConfigFile['noise']>;
type FileMaintenance = ConfigFile['maintenance'][number];

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A rule's name when none is given: what it matches, e.g. "payment.authorize" or "payment". */
function rateRuleName(match: RateRule['match']): string {
  return [match.stage?.join('+'), match.step?.join('+'), match.source?.join('+')].filter(Boolean).join('.');
}

function normaliseNoise(noise: FileNoise | undefined): NoiseConfig {
  if (noise === undefined) return DEFAULT_NOISE;
  return {
    suppress: noise.suppress.map((rule) => ({ match: compact(rule.match), reason: rule.reason })),
    rates: noise.rates.map((rule) => ({
      name: rule.name ?? rateRuleName(rule.match),
      match: compact(rule.match),
      windowMs: rule.window,
      minAttempts: rule.min_attempts,
      above: rule.above,
      ...(rule.baseline !== undefined && { baseline: rule.baseline }),
    })),
  };
}

function normaliseWindow(window: FileMaintenance, defaultTimezone: string): MaintenanceWindow {
  const base = { name: window.name, match: compact(window.match) };
  if (window.every !== undefined && window.for !== undefined) {
    const [day = 'Sun', time = '00:00'] = window.every.split(' ');
    return {
      ...base,
      kind: 'weekly',
      weekday: WEEKDAYS.indexOf(day),
      time,
      forMs: window.for,
      timezone: window.timezone ?? defaultTimezone,
    };
  }
  return {
    ...base,
    kind: 'once',
    fromAt: Date.parse(window.from ?? ''),
    untilAt: Date.parse(window.until ?? ''),
  };
}

/** Drops the fields a match leaves out, so `undefined` never stands for "anything". */
function compact<T extends object>(match: T): NoiseMatch & T {
  return Object.fromEntries(Object.entries(match).filter(([, v]) => v !== undefined)) as NoiseMatch & T;
}
type FileBacklogRule = NonNullable<ConfigFile['backlog'][Stage]>;

function normaliseTeam(team: FileTeam, defaultTimezone: string): TeamConfig {
  return {
    channel: team.channel,
    ...(team.mention !== undefined && { mention: team.mention }),
    timezone: team.timezone ?? defaultTimezone,
    ...(team.members !== undefined && { members: team.members }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The weekly digest is on (Mondays at 09:00) unless the file says `weekly: false`. */
function normaliseDigest(digest: ConfigFile['digest']): CartwatchConfig['digest'] {
  const weekly = digest.weekly === undefined ? 'Mon 09:00' : digest.weekly;
  return {
    at: digest.at,
    skipQuiet: digest.skip_quiet,
    ...(weekly !== false && { weekly: parseWeeklySchedule(weekly) }),
  };
}

export function normalise(file: ConfigFile): CartwatchConfig {
  const teams = Object.fromEntries(
    Object.entries(file.teams).map(([name, team]) => [name, normaliseTeam(team, file.timezone)]),
  );
  const backlog: CartwatchConfig['backlog'] = {};
  for (const [stage, rule] of Object.entries(file.backlog) as [Stage, FileBacklogRule][]) {
    backlog[stage] = {
      ...(rule.max_waiting !== undefined && { maxWaiting: rule.max_waiting }),
      ...(rule.max_age !== undefined && { maxAgeMs: rule.max_age }),
    };
  }
  return {
    timezone: file.timezone,
    teams,
    routes: file.routes.map((route) =>
      route.match ? { match: route.match, team: route.team } : { team: route.team },
    ),
    slaMs: file.sla,
    expect: file.expect.map((rule) => ({ after: rule.after, next: rule.then, withinMs: rule.within })),
    backlog,
    sources: Object.fromEntries(
      Object.entries(file.sources).map(([name, s]) => [name, { everyMs: s.every }]),
    ),
    escalation: {
      afterMs: file.escalation.after,
      ...(file.escalation.channel !== undefined && { channel: file.escalation.channel }),
      remindAcknowledgedAfterMs: file.escalation.remind_acknowledged_after,
    },
    digest: normaliseDigest(file.digest),
    retentionDays: file.retention_days,
    ingest: { maxBodyBytes: file.ingest.max_body },
    noise: normaliseNoise(file.noise),
    maintenance: file.maintenance.map((w) => normaliseWindow(w, file.timezone)),
  };
}
