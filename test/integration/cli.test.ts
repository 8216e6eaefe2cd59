import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI } from '../support/child.js';
import { sharedClockEnv } from '../support/clock-env.js';
import { longStandingDatabase } from '../support/database.js';
import { anEvent } from '../support/events.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
let temp: ReturnType<typeof tempDir>;

beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.cleanup());

async function cartwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: temp.dir,
      env: { PATH: process.env.PATH ?? '', CARTWATCH_DB: path.join(temp.dir, 'cw.db'), ...sharedClockEnv() },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function file(name: string, text: string): string {
  const full = path.join(temp.dir, name);
  writeFileSync(full, text);
  return full;
}

function storedIds(db = path.join(temp.dir, 'cw.db')): string[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite
      .prepare('SELECT id FROM events ORDER BY seq')
      .all()
      .map((r) => (r as { id: string }).id);
  } finally {
    sqlite.close();
  }
}

describe('cartwatch check-config', () => {
  it('when the file has problems, then each is printed with its path and the exit code is 1', async () => {
    const config = file(
      'bad.yml',
      'teams:\n  ops: { channel: C0OPS }\nroutes:\n  - { match: { stage: payment }, team: pay }\n  - { team: ops }\n',
    );
    const result = await cartwatch('check-config', config);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('- routes[0].team: unknown team "pay"');
  });

  it('when the shipped example is checked, then it is valid', async () => {
    const result = await cartwatch('check-config', path.resolve('cartwatch.example.yml'));
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('valid (3 teams, 3 routes)') });
  });
});

describe('cartwatch import', () => {
  it('when every line is valid, then all are stored and a repeat import counts duplicates', async () => {
    const events = [anEvent(), anEvent(), anEvent()];
    const ndjson = file('events.ndjson', `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    expect(await cartwatch('import', ndjson)).toMatchObject({
      code: 0,
      stdout: 'events.ndjson: 3 accepted, 0 duplicates, 0 invalid\n',
    });
    expect(await cartwatch('import', ndjson)).toMatchObject({
      code: 0,
      stdout: 'events.ndjson: 0 accepted, 3 duplicates, 0 invalid\n',
    });
    expect(storedIds()).toEqual(events.map((e) => e.id));
  });

  it('when a batch holds invalid lines, then they are named by line number, that batch is not stored, and the exit code is 1', async () => {
    const good = [anEvent(), anEvent(), anEvent()];
    const lines = [good[0], { ...anEvent(), stage: 'shipping' }, good[1], good[2]].map((e) =>
      JSON.stringify(e),
    );
    lines.splice(2, 0, '{broken');
    const ndjson = file('mixed.ndjson', `${lines.join('\n')}\n`);
    const result = await cartwatch('import', ndjson, '--batch-size', '3');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('mixed.ndjson: 2 accepted, 0 duplicates, 2 invalid');
    expect(result.stdout).toContain('line 2: stage: stage must be one of');
    expect(result.stdout).toContain('line 3: not valid JSON');
    expect(result.stdout).toContain('lines 1-3 not stored');
    expect(storedIds()).toEqual([good[1]?.id, good[2]?.id]);
  });
});

describe('cartwatch digest', () => {
  it('when run with --dry-run, then the digest is printed and nothing is recorded; without it, it runs once per day and then says when it was posted', async () => {
    await longStandingDatabase(path.join(temp.dir, 'cw.db'));
    const dry = await cartwatch('digest', '--team', 'payments', '--dry-run');
    expect(dry).toMatchObject({ code: 0, stdout: expect.stringContaining('Cartwatch digest · payments') });
    expect(await cartwatch('digest', '--team', 'payments')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^digest for payments on \d{4}-\d{2}-\d{2} queued; .* C0PAYMENTS\n$/),
    });
    expect(await cartwatch('digest', '--team', 'payments')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^digest for payments on \d{4}-\d{2}-\d{2} already posted at \d{2}:\d{2} \(UTC\); nothing queued\n$/,
      ),
    });
  });

  it('when the database is new, then no digest is queued for the day it began, and it says so', async () => {
    const result = await cartwatch('digest', '--team', 'ops');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^digest for ops on \d{4}-\d{2}-\d{2} not posted: that day began before the database was created at \d{2}:\d{2} \(UTC\); the first digest is \d{4}-\d{2}-\d{2}'s; nothing queued\n$/,
    );
    const db = new Database(path.join(temp.dir, 'cw.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM digest_runs').get()).toEqual({ n: 0 });
    db.close();
  });

  it('when the team is unknown or missing, then the message names it with the teams there are, and the exit code is 1', async () => {
    await expectMistakes([
      [
        ['digest', '--team', 'nope'],
        'cartwatch digest: unknown team "nope"; teams: payments, fulfillment, ops',
      ],
      [['digest'], 'cartwatch digest: --team is required: one of payments, fulfillment, ops'],
    ]);
  });
});

/** Runs each command line (two at a time) and expects exit code 1 and the message on stderr, no stack. */
async function expectMistakes(cases: [string[], string][]): Promise<void> {
  for (let i = 0; i < cases.length; i += 2) {
    await Promise.all(
      cases.slice(i, i + 2).map(async ([args, message]) => {
        const result = await cartwatch(...args);
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.stderr, args.join(' ')).toContain(message);
        expect(result.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
      }),
    );
  }
}

describe('command-line mistakes', () => {
  it('when a command, option or argument is wrong, then the message names it and says what is accepted', async () => {
    await expectMistakes([
      [['frobnicate'], 'cartwatch: unknown command "frobnicate"; use one of start, check-config, import'],
      [['digets'], 'cartwatch: unknown command "digets"; did you mean "digest"?'],
      [['digest', '--teem', 'ops'], 'cartwatch digest: unknown option "--teem"; did you mean "--team"?'],
      [['start', '--bogus'], 'cartwatch start: unknown option "--bogus"; use one of --demo, --no-demo'],
      [['digest', '--team'], 'cartwatch digest: --team needs a value'],
      [['digest', '--team', 'ops', '--dry-run=yes'], 'cartwatch digest: --dry-run takes no value, got "yes"'],
      [['digest', 'payments'], 'cartwatch digest: unexpected argument "payments": it takes no arguments'],
      [['webhooks', 'recent'], 'cartwatch webhooks: unknown subcommand "recent"; the one there is: failed'],
    ]);
    // A usage mistake ends with the command's usage line.
    expect((await cartwatch('import', '--batch-size', 'x', 'a.ndjson')).stderr).toContain(
      'Usage: cartwatch import FILE.ndjson [--batch-size N]',
    );
  });

  it('when a number, file or folder is wrong or missing, then the message quotes it and says what is accepted', async () => {
    await expectMistakes([
      [
        ['import', 'a.ndjson', '--batch-size', 'lots'],
        'cartwatch import: --batch-size must be a whole number of at least 1, got "lots"',
      ],
      [
        ['demo', '--events', '-3'],
        'cartwatch demo: --events needs a value; "-3" looks like an option (write --events=-3 if it is the value)',
      ],
      [
        ['webhooks', 'failed', '--limit=0'],
        'cartwatch webhooks: --limit must be a whole number of at least 1, got "0"',
      ],
      [['import'], 'cartwatch import: missing FILE.ndjson, the events to import'],
      [
        ['import', 'missing.ndjson'],
        'cartwatch import: no such file "missing.ndjson": give an NDJSON file, one event per line',
      ],
      [
        ['import', 'a.ndjson', 'b.ndjson'],
        'cartwatch import: unexpected argument "b.ndjson": it takes only FILE.ndjson',
      ],
      [['backup'], 'cartwatch backup: missing FILE, where to write the copy'],
      [['backup', 'no/such/folder/copy.db'], 'cartwatch backup: no folder "no/such/folder" for the copy'],
    ]);
  });
});

describe('cartwatch backup and help', () => {
  it('when backing up, then the copy holds the stored events', async () => {
    const event = anEvent();
    await cartwatch('import', file('one.ndjson', JSON.stringify(event)));
    const target = path.join(temp.dir, 'copy.db');
    expect((await cartwatch('backup', target)).code).toBe(0);
    expect(storedIds(target)).toEqual([event.id]);
  });

  it('when asked for help, then every command explains itself', async () => {
    expect((await cartwatch('--help')).stdout).toContain('check-config [FILE]');
    const commands = ['start', 'check-config', 'import', 'backup', 'digest', 'demo', 'webhooks', 'doctor'];
    for (const command of commands) {
      const help = await cartwatch(command, '--help');
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toContain(`Usage: cartwatch ${command}`);
    }
    expect((await cartwatch('frobnicate')).code).toBe(1);
  });

  it('when NODE_ENV=production and Slack credentials are missing, then start refuses and names the variables', async () => {
    const result = await run(process.execPath, [CLI, 'start'], {
      cwd: temp.dir,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0', ...sharedClockEnv() },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET'),
    });
    expect((result as { stderr: string }).stderr).toContain('manifest.yml');
  });
});
