import type { Stage } from '../domain/event.js';
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
  digest: { at: string; skipQuiet: boolean };
  retentionDays: number;
  ingest: { maxBodyBytes: number };
}

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
  const last: unknown = routes[routes.length - 1];
  if (isObject(last) && last.match !== undefined) {
    problems.push('routes: the last route must have no match: it is the default for everything else');
  }
  if (isObject(doc.teams) && Object.keys(teams).length === 0)
    problems.push('teams: define at least one team');
  return problems;
}

type FileTeam = ConfigFile['teams'][string];
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
    digest: { at: file.digest.at, skipQuiet: file.digest.skip_quiet },
    retentionDays: file.retention_days,
    ingest: { maxBodyBytes: file.ingest.max_body },
  };
}
