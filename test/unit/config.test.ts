import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  checkConfigText,
  DEFAULT_CONFIG,
  DEFAULT_NOISE,
  formatProblems,
  loadConfigFile,
} from '../../src/config.js';

function problemsOf(yaml: string): string[] {
  const result = checkConfigText(yaml);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

const TEAMS = 'teams:\n  ops: { channel: C0OPS }\n  payments: { channel: C0PAY }\n';
const MINIMAL = `${TEAMS}routes:\n  - { team: ops }\n`;

describe('cartwatch.yml', () => {
  it('when the example from SPEC is checked, then it is valid and normalised', () => {
    const result = checkConfigText(readFileSync('cartwatch.example.yml', 'utf8'));
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const config = result.config;
    expect(config.timezone).toBe('Europe/Berlin');
    expect(config.slaMs).toEqual({ checkout: 1_800_000, payment: 600_000, fulfillment: 86_400_000 });
    expect(config.expect).toEqual([
      {
        after: { stage: 'payment', step: 'authorize' },
        next: { stage: 'payment', step: 'capture' },
        withinMs: 900_000,
      },
    ]);
    expect(config.teams).toEqual({
      payments: { channel: 'C0PAYMENTS', mention: 'S0PAYTEAM', timezone: 'Europe/Berlin' },
      fulfillment: { channel: 'C0FULFIL', timezone: 'America/Chicago', members: ['U0ANNA', 'U0BEN'] },
      ops: { channel: 'C0OPS', timezone: 'Europe/Berlin' },
    });
    expect(config.routes).toEqual([
      { match: { stage: ['payment'] }, team: 'payments' },
      { match: { stage: ['fulfillment', 'post_purchase'] }, team: 'fulfillment' },
      { team: 'ops' },
    ]);
    expect(config.backlog).toEqual({ fulfillment: { maxWaiting: 500, maxAgeMs: 7_200_000 } });
    expect(config.sources).toEqual({ 'catalog-sync': { everyMs: 3_600_000 } });
    expect(config.escalation).toEqual({
      afterMs: 900_000,
      channel: 'C0MANAGERS',
      remindAcknowledgedAfterMs: 14_400_000,
    });
    expect(config.digest).toEqual({ at: '09:00', skipQuiet: false, weekly: { weekday: 1, time: '09:00' } });
    expect(config.retentionDays).toBe(90);
    expect(config.ingest.maxBodyBytes).toBe(1_048_576);
  });

  it('when only teams and routes are given, then every other key takes its default', () => {
    const result = checkConfigText(MINIMAL);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config).toEqual({
      timezone: 'UTC',
      teams: { ops: { channel: 'C0OPS', timezone: 'UTC' }, payments: { channel: 'C0PAY', timezone: 'UTC' } },
      routes: [{ team: 'ops' }],
      slaMs: {},
      expect: [],
      backlog: {},
      sources: {},
      escalation: { afterMs: 900_000, remindAcknowledgedAfterMs: 14_400_000 },
      digest: { at: '09:00', skipQuiet: false, weekly: { weekday: 1, time: '09:00' } },
      retentionDays: 90,
      ingest: { maxBodyBytes: 1_048_576 },
      noise: DEFAULT_NOISE,
      maintenance: [],
    });
  });

  it('when a file has several problems, then every one is reported with its path', () => {
    const problems = problemsOf(
      [
        'timezone: Mars/Olympus',
        'teams:',
        '  ops: { chanel: C0OPS }',
        '  payments: { channel: C0PAY, members: [bob], timezone: Moon/Base }',
        'routes:',
        '  - { match: { stage: paymnt }, team: payments }',
        '  - { match: { stage: payment }, team: pay }',
        '  - { team: ops }',
        'sla: { payment: 10 minutes, paymnet: 1h }',
        'expect: [{ after: shipping.pack, then: payment.capture, within: 0m }]',
        'backlog: { fulfillment: {} }',
        'digest: { at: "9am" }',
        'retention_days: ninety',
      ].join('\n'),
    );
    expect(problems).toHaveLength(14);
    expect(problems).toEqual(
      expect.arrayContaining([
        'timezone: unknown time zone "Mars/Olympus"; use an IANA name such as Europe/Berlin',
        'teams.ops.channel: required',
        'teams.ops.chanel: unrecognized key; did you mean "channel"?',
        'teams.payments.timezone: unknown time zone "Moon/Base"; use an IANA name such as Europe/Berlin',
        expect.stringMatching(/^teams\.payments\.members\[0\]: must be a user group id/),
        'routes[0].match.stage[0]: unknown stage "paymnt"; did you mean "payment"?',
        'routes[1].team: unknown team "pay"',
        expect.stringMatching(/^sla\.payment: "10 minutes" is not a duration; write e\.g\. 30s/),
        'sla.paymnet: unknown stage "paymnet"; did you mean "payment"?',
        expect.stringMatching(/^expect\[0\]\.after: unknown stage "shipping"; use one of catalog, cart/),
        expect.stringMatching(/^expect\[0\]\.within: "0m" is not a duration; it must be longer than zero/),
        'backlog.fulfillment: give max_waiting, max_age or both',
        expect.stringMatching(/^digest\.at: must be a 24-hour time HH:MM/),
        'retention_days: must be a number, got string "ninety"',
      ]),
    );
  });

  it('when a route names an unknown team, then the problem names routes[2].team', () => {
    const problems = problemsOf(
      `${TEAMS}routes:\n  - { match: { stage: payment }, team: payments }\n  - { match: { stage: cart }, team: ops }\n  - { team: pay }\n`,
    );
    expect(problems).toEqual(['routes[2].team: unknown team "pay"']);
  });

  it('when the last route has a match, then the missing default route is reported at routes', () => {
    expect(problemsOf(`${TEAMS}routes:\n  - { match: { stage: payment }, team: ops }\n`)).toEqual([
      'routes: the last route must have no match: it is the default for everything else',
    ]);
  });

  it('when a route without match comes before others, then the unreachable routes are reported', () => {
    expect(problemsOf(`${TEAMS}routes:\n  - { team: ops }\n  - { team: payments }\n`)).toEqual([
      'routes[0]: a route without match catches everything, so the routes after it never apply',
    ]);
  });

  it('when there are no teams or no routes, then each is reported', () => {
    expect(problemsOf('teams: {}\nroutes: []\n')).toEqual([
      'routes: add at least one route; the last, without match, is the default',
      'teams: define at least one team',
    ]);
  });

  it('when ids, the digest time and types are wrong, then each says what is expected', () => {
    const problems = problemsOf(
      [
        'teams:',
        '  ops: { channel: "#ops", mention: "@ops" }',
        '  payments: { channel: C0PAY, members: U0ANNA }',
        'routes: [{ match: {}, team: payments }, { team: ops }]',
        'escalation: { channel: managers }',
        'digest: { at: "24:00", skip_quiet: yes }',
        'sla:',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'teams.ops.channel: must be a Slack channel id such as C0PAYMENTS',
      'teams.ops.mention: must be a user group id (S…) or user id (U…, W…)',
      expect.stringMatching(/^routes\[0\]\.match: give at least one of stage/),
      'sla: must be a mapping (key: value), got nothing',
      'escalation.channel: must be a Slack channel id such as C0PAYMENTS',
      expect.stringMatching(/^digest\.at: must be a 24-hour time/),
      'digest.skip_quiet: must be true or false, got string "yes"',
    ]);
  });

  it('when digest.weekly is given, then it runs then, is off with false, and a bad value is named with its path', () => {
    const weeklyOf = (value: string) => {
      const result = checkConfigText(`${MINIMAL}digest: { weekly: ${value} }\n`);
      if (!result.ok) throw new Error(result.problems.join('\n'));
      return result.config.digest.weekly;
    };
    expect(weeklyOf('"Fri 17:30"')).toEqual({ weekday: 5, time: '17:30' });
    expect(weeklyOf('false')).toBeUndefined();
    expect(weeklyOf('true')).toEqual({ weekday: 1, time: '09:00' });
    expect(problemsOf(`${MINIMAL}digest: { weekly: "Monday 9am" }\n`)).toEqual([
      'digest.weekly: "Monday 9am" is not a weekly time; write a weekday and a 24-hour time such as "Mon 09:00", or false for no weekly digest',
    ]);
    expect(problemsOf(`${MINIMAL}digest: { weekly: 3 }\n`)[0]).toMatch(
      /^digest\.weekly: 3 is not a weekly time/,
    );
  });

  it('when the YAML does not parse, then the problem gives its line and column', () => {
    expect(problemsOf('teams: [\n')[0]).toMatch(/^line 2, column 1: .+/);
    expect(problemsOf('teams: {}\nteams: {}\n')).toEqual(['line 2, column 1: Map keys must be unique']);
  });

  it('when the file is empty or not a mapping, then that is the problem reported', () => {
    expect(problemsOf('')).toEqual(['teams: required', 'routes: required']);
    expect(problemsOf('- ops\n')).toEqual(['(root): must be a mapping (key: value), got a list']);
  });

  it('when problems are formatted, then each is one line starting with "- "', () => {
    expect(formatProblems(['a: x', 'b: y'])).toBe('- a: x\n- b: y');
  });
});

describe('loading the config file', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cartwatch-config-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('when no file is named and none exists, then the built-in defaults apply', () => {
    expect(loadConfigFile(undefined, { cwd: tempDir() })).toEqual({
      config: DEFAULT_CONFIG,
      source: 'built-in defaults',
    });
    expect(Object.keys(DEFAULT_CONFIG.teams)).toEqual(['payments', 'fulfillment', 'ops']);
    expect(DEFAULT_CONFIG.escalation).toEqual({ afterMs: 900_000, remindAcknowledgedAfterMs: 14_400_000 });
    expect(DEFAULT_CONFIG.sources).toEqual({});
  });

  it('when cartwatch.yml exists in cwd, then it is used; a named file resolves against cwd', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'cartwatch.yml'), MINIMAL);
    writeFileSync(path.join(dir, 'other.yml'), MINIMAL.replace('C0OPS', 'C0OTHER'));
    expect(loadConfigFile(undefined, { cwd: dir })).toMatchObject({
      source: path.join(dir, 'cartwatch.yml'),
      config: { teams: { ops: { channel: 'C0OPS' } } },
    });
    expect(loadConfigFile('other.yml', { cwd: dir }).config.teams.ops?.channel).toBe('C0OTHER');
  });

  it('when the named file is missing or invalid, then a ConfigError lists the problems and how to fix them', () => {
    const dir = tempDir();
    expect(() => loadConfigFile('nope.yml', { cwd: dir })).toThrow(ConfigError);
    writeFileSync(path.join(dir, 'cartwatch.yml'), `${TEAMS}routes:\n  - { team: pay }\n`);
    try {
      loadConfigFile(undefined, { cwd: dir });
      expect.unreachable();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.problems).toEqual(['routes[0].team: unknown team "pay"']);
      expect(error.message).toContain(`${path.join(dir, 'cartwatch.yml')} has 1 problem:\n- routes[0].team`);
      expect(error.message).toContain('cartwatch check-config');
    }
  });
});
