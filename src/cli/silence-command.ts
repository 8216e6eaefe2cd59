import { userInfo } from 'node:os';
import { suggestion, unknownStageMessage } from '../config/suggest.js';
import { type CartwatchConfig, loadConfigFile, loadEnv } from '../config.js';
import { STAGES, type Stage } from '../domain/event.js';
import type { NoiseMatch } from '../domain/noise.js';
import { describeMatch, MAX_SILENCE_MS, type Silence } from '../domain/silence.js';
import { CartwatchError } from '../errors.js';
import { systemClock } from '../services/clock.js';
import { durationOf, SilenceService } from '../services/silences.js';
import { TeamMembers } from '../services/team-members.js';
import { parseCommandArgs, UsageError, wholeNumber } from './args.js';
import { openCommandStore } from './open-command-store.js';

const SUBCOMMANDS = ['add', 'list', 'end'];

const OPTIONS = {
  team: { type: 'string' },
  stage: { type: 'string' },
  step: { type: 'string' },
  'error-code': { type: 'string' },
  source: { type: 'string' },
  for: { type: 'string' },
  reason: { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof OPTIONS, string>>;

/**
 * `cartwatch silence add|list|end`: the same silences as Slack's, in the same database; the running
 * Cartwatch tells a silence's start and end in the team's channel (an end within a sweep). Trusted
 * like the shell it runs in: no `members` check.
 */
export async function runSilence(args: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs('silence', { args, options: OPTIONS }, [
    'add|list|end',
    'ID',
  ]);
  const [subcommand, id] = positionals;
  if (subcommand === undefined || !SUBCOMMANDS.includes(subcommand)) {
    const problem = subcommand === undefined ? 'missing what to do' : `unknown subcommand "${subcommand}"`;
    const accepts =
      subcommand === undefined ? `use one of ${SUBCOMMANDS.join(', ')}` : suggestion(subcommand, SUBCOMMANDS);
    throw new UsageError('silence', `${problem}; ${accepts}`);
  }
  const given = Object.keys(values).map((name) => `--${name}`);
  if (subcommand !== 'add' && given.some((name) => name !== '--team'))
    throw new UsageError('silence', `${subcommand} takes no ${given.join(', ')}; those are for add`);
  if (subcommand !== 'end' && id !== undefined)
    throw new UsageError('silence', `unexpected argument "${id}": only end takes an ID`);
  const env = loadEnv();
  const { config } = loadConfigFile(env.configPath, { cwd: process.cwd() });
  if (values.team !== undefined) knownTeam(config, values.team);
  if (subcommand === 'end') {
    if (id === undefined)
      throw new UsageError('silence', 'end needs the ID of a silence (see `cartwatch silence list`)');
    const silenceId = wholeNumber('silence', 'ID', id);
    return withService(env.dbPath, config, (service) => end(service, silenceId));
  }
  if (subcommand === 'list') return withService(env.dbPath, config, (service) => list(service, values.team));
  const request = addRequest(config, values);
  return withService(env.dbPath, config, (service) => add(service, request));
}

async function withService(
  dbPath: string,
  config: CartwatchConfig,
  work: (service: SilenceService) => Promise<number>,
): Promise<number> {
  const store = await openCommandStore(dbPath);
  try {
    const members = new TeamMembers({ config });
    return await work(new SilenceService({ store, clock: systemClock, config, members }));
  } finally {
    await store.close();
  }
}

function knownTeam(config: CartwatchConfig, team: string): void {
  const teams = Object.keys(config.teams);
  if (!teams.includes(team))
    throw new UsageError('silence', `unknown team "${team}"; ${suggestion(team, teams)}`);
}

/** Every mistake in `add` is named with the value given, before the database is opened. */
function addRequest(config: CartwatchConfig, values: Values) {
  const team = values.team;
  if (team === undefined)
    throw new UsageError('silence', `add needs --team: one of ${Object.keys(config.teams).join(', ')}`);
  const match: NoiseMatch = {};
  if (values.stage !== undefined) {
    if (!STAGES.includes(values.stage as Stage))
      throw new UsageError('silence', `--stage: ${unknownStageMessage(values.stage)}`);
    match.stage = [values.stage as Stage];
  }
  for (const [option, field] of [
    ['step', 'step'],
    ['error-code', 'error_code'],
    ['source', 'source'],
  ] as const) {
    const value = values[option];
    if (value === undefined) continue;
    if (value.trim() === '' || value.length > 100)
      throw new UsageError('silence', `--${option} must be 1 to 100 characters, got "${value.slice(0, 40)}"`);
    match[field] = [value];
  }
  if (Object.keys(match).length === 0)
    throw new UsageError(
      'silence',
      'add needs at least one of --stage, --step, --error-code, --source besides --team',
    );
  if (values.for === undefined)
    throw new UsageError('silence', 'add needs --for, how long: e.g. 30m, 2h, 1d (at most 7d)');
  const forMs = durationOf(values.for);
  if (forMs === 0)
    throw new UsageError('silence', `--for must be a duration such as 30m, 2h or 1d, got "${values.for}"`);
  if (forMs > MAX_SILENCE_MS) throw new UsageError('silence', `--for is at most 7d, got "${values.for}"`);
  const reason = values.reason?.trim() ?? '';
  if (reason === '')
    throw new UsageError('silence', 'add needs --reason, why: it is shown with the silence and when it ends');
  if (reason.length > 300)
    throw new UsageError('silence', `--reason must be at most 300 characters, got ${reason.length}`);
  return { team, match, forMs, reason, actor: `cli:${login()}` };
}

async function add(service: SilenceService, request: ReturnType<typeof addRequest>): Promise<number> {
  const result = await service.create(request, { checkMembers: false });
  if (!result.ok) {
    // Checked above already; kept so a rule added to the service is never skipped here.
    const problems = result.reason === 'invalid' ? Object.values(result.problems).join(' ') : result.reason;
    throw new UsageError('silence', problems);
  }
  const { action, silence } = result.outcome;
  if (action === 'unchanged') {
    process.stdout.write(
      `silence #${silence.id} already holds until ${iso(silence.endsAt)}; nothing changed\n`,
    );
    return 0;
  }
  process.stdout.write(`silence #${silence.id} ${action}: ${describe(silence)}\n`);
  return 0;
}

async function list(service: SilenceService, team: string | undefined): Promise<number> {
  const silences = (await service.active()).filter((s) => team === undefined || s.team === team);
  if (silences.length === 0) {
    process.stdout.write(`No silences hold now${team === undefined ? '' : ` for the ${team} team`}.\n`);
    return 0;
  }
  for (const s of silences)
    process.stdout.write(`#${s.id} ${describe(s)} · by ${s.createdBy} · ${s.heldOpen} open held back\n`);
  return 0;
}

async function end(service: SilenceService, id: number): Promise<number> {
  const result = await service.end({ id, actor: `cli:${login()}` }, { checkMembers: false });
  if (result.ok) {
    process.stdout.write(
      `silence #${id} ended; the running Cartwatch posts what it held back and its summary within a sweep\n`,
    );
    return 0;
  }
  if (result.reason === 'already_ended') {
    const at = result.silence.endedAt ?? result.silence.endsAt;
    process.stdout.write(`silence #${id} already ended at ${iso(at)}; nothing to do\n`);
    return 0;
  }
  throw new CartwatchError(
    'SILENCE_NOT_FOUND',
    `no silence #${id}; \`cartwatch silence list\` shows those holding now`,
  );
}

/** "payments team, stage payment, error code processing_error, until 2026-12-01T12:00:00.000Z: PSP maintenance". */
function describe(silence: Silence): string {
  const team = silence.team === '*' ? 'every team' : `${silence.team} team`;
  return `${team}, ${describeMatch(silence.match)}, until ${iso(silence.endsAt)}: ${silence.reason}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function login(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
