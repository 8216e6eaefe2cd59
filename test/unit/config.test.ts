import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  checkConfigText,
  DEFAULT_CONFIG,
  loadConfigFile,
  loadEnv,
  parseDuration,
  parseSize,
} from '../../src/config.js';
import { tempDir } from '../support/temp.js';

function problemsOf(yaml: string): string[] {
  const result = checkConfigText(yaml);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

const MINIMAL = 'teams:\n  ops: { channel: C0OPS }\nroutes:\n  - { team: ops }\n';

describe('cartwatch.yml', () => {
  it('when the example from SPEC is checked, then it is valid and normalised', () => {
    const result = checkConfigText(readFileSync('cartwatch.example.yml', 'utf8'));
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const config = result.config;
    expect(config.slaMs.payment).toBe(600_000);
    expect(config.expect[0]).toEqual({
      after: { stage: 'payment', step: 'authorize' },
      next: { stage: 'payment', step: 'capture' },
      withinMs: 900_000,
    });
    expect(config.teams.fulfillment).toEqual({
      channel: 'C0FULFIL',
      timezone: 'America/Chicago',
      members: ['U0ANNA', 'U0BEN'],
    });
    expect(config.teams.ops?.timezone).toBe('Europe/Berlin');
    expect(config.routes[1]?.match?.stage).toEqual(['fulfillment', 'post_purchase']);
    expect(config.backlog.fulfillment).toEqual({ maxWaiting: 500, maxAgeMs: 7_200_000 });
    expect(config.sources['catalog-sync']).toEqual({ everyMs: 3_600_000 });
    expect(config.escalation).toEqual({
      afterMs: 900_000,
      channel: 'C0MANAGERS',
      remindAcknowledgedAfterMs: 14_400_000,
    });
    expect(config.digest).toEqual({ at: '09:00', skipQuiet: false });
    expect(config.retentionDays).toBe(90);
    expect(config.ingest.maxBodyBytes).toBe(1_048_576);
  });

  it('when a file has several problems, then every one is reported with its path', () => {
    const problems = problemsOf(
      [
        'timezone: Mars/Olympus',
        'teams:',
        '  ops: { chanel: C0OPS }',
        '  payments: { channel: C0PAY, members: [bob] }',
        'routes:',
        '  - { match: { stage: paymnt }, team: payments }',
        '  - { match: { stage: payment }, team: pay }',
        '  - { team: ops }',
        'sla: { payment: 10 minutes, shipping: 1h }',
        'digest: { at: "9am" }',
      ].join('\n'),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^timezone: unknown time zone "Mars\/Olympus"/),
        'teams.ops.channel: required',
        'teams.ops.chanel: unknown key "chanel"',
        expect.stringMatching(/^teams\.payments\.members\[0\]: must be a user group id/),
        expect.stringMatching(/^routes\[0\]\.match\.stage\[0\]: unknown stage "paymnt"/),
        'routes[1].team: unknown team "pay"',
        expect.stringMatching(/^sla\.payment: "10 minutes" is not a duration/),
        'sla.shipping: unknown key "shipping"',
        expect.stringMatching(/^digest\.at: must be a 24-hour time/),
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('when the last route has a match, then the missing default route is reported', () => {
    const problems = problemsOf(
      'teams:\n  ops: { channel: C0OPS }\nroutes:\n  - { match: { stage: payment }, team: ops }\n',
    );
    expect(problems).toEqual([
      'routes: the last route must have no match: it is the default for everything else',
    ]);
  });

  it('when the YAML does not parse or the file is empty, then that is the problem reported', () => {
    expect(problemsOf('teams: [\n')[0]).toMatch(/^\(yaml\): .* at line 2, column 1/);
    expect(problemsOf('')).toEqual(['teams: required', 'routes: required']);
  });

  it('when only teams and routes are given, then every other key takes its default', () => {
    const result = checkConfigText(MINIMAL);
    expect(result.ok && result.config).toMatchObject({
      timezone: 'UTC',
      slaMs: {},
      escalation: { afterMs: 900_000, remindAcknowledgedAfterMs: 14_400_000 },
      digest: { at: '09:00', skipQuiet: false },
      retentionDays: 90,
      ingest: { maxBodyBytes: 1_048_576 },
    });
  });

  it('when no file exists, then the built-in defaults apply; a named file that is missing is an error', () => {
    const temp = tempDir();
    try {
      expect(loadConfigFile(undefined, { cwd: temp.dir })).toEqual({
        config: DEFAULT_CONFIG,
        source: 'built-in defaults',
      });
      expect(() => loadConfigFile(path.join(temp.dir, 'nope.yml'), { cwd: temp.dir })).toThrow(ConfigError);
      writeFileSync(path.join(temp.dir, 'cartwatch.yml'), MINIMAL);
      expect(loadConfigFile(undefined, { cwd: temp.dir }).config.teams).toEqual({
        ops: { channel: 'C0OPS', timezone: 'UTC' },
      });
    } finally {
      temp.cleanup();
    }
  });
});

describe('durations and sizes', () => {
  it('when a duration is written with a unit or as a compound, then it becomes milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
  });

  it('when a duration is not one, then it is refused', () => {
    for (const bad of ['', '10 minutes', '-5m', '0m', '15', 'm', '1.5h', '1h 30m']) {
      expect(() => parseDuration(bad), bad).toThrow(/not a duration/);
    }
  });

  it('when a size is written with binary or decimal units, then it becomes bytes', () => {
    expect(parseSize('1MiB')).toBe(1_048_576);
    expect(parseSize('512KiB')).toBe(524_288);
    expect(parseSize('1MB')).toBe(1_000_000);
    expect(parseSize('1000B')).toBe(1000);
    for (const bad of ['0MiB', '1 parsec', 'MiB', '-1KiB'])
      expect(() => parseSize(bad), bad).toThrow(/not a size/);
  });
});

describe('environment', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const env = loadEnv({ env: {}, cwd: '/srv/cartwatch', readDotEnv: false });
    expect(env).toEqual({
      dbPath: '/srv/cartwatch/data/cartwatch.db',
      port: 3000,
      production: false,
      logLevel: 'info',
    });
  });

  it('when a .env file exists, then it is read, and the real environment wins over it', () => {
    const temp = tempDir();
    try {
      writeFileSync(
        path.join(temp.dir, '.env'),
        'PORT=4000\nCARTWATCH_INGEST_SECRET=from-dot-env-0123456789\n',
      );
      const env = loadEnv({ env: { PORT: '5000' }, cwd: temp.dir });
      expect(env.port).toBe(5000);
      expect(env.ingestSecret).toBe('from-dot-env-0123456789');
    } finally {
      temp.cleanup();
    }
  });

  it('when variables are invalid, then each problem names the variable', () => {
    try {
      loadEnv({
        env: { PORT: 'abc', SLACK_BOT_TOKEN: 'xoxp-1', CARTWATCH_INGEST_SECRET: 'short' },
        readDotEnv: false,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^SLACK_BOT_TOKEN: must be a bot token/),
        expect.stringMatching(/^CARTWATCH_INGEST_SECRET: must be at least 16 characters/),
        'PORT: must be a whole number from 0 to 65535, got "abc"',
      ]);
    }
  });

  it('when SLACK_API_URL lacks a trailing slash, then one is added', () => {
    expect(loadEnv({ env: { SLACK_API_URL: 'http://127.0.0.1:9/api' }, readDotEnv: false }).slackApiUrl).toBe(
      'http://127.0.0.1:9/api/',
    );
  });
});
