import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { CLI } from '../support/child.js';
import { sharedClockEnv } from '../support/clock-env.js';
import { failure, rootPosts } from '../support/noise.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
let temp: ReturnType<typeof tempDir>;
let app: SlackTestApp | undefined;

const CONFIG = `teams:
  payments:    { channel: C0PAYMENTS }
  fulfillment: { channel: C0FULFIL }
  ops:         { channel: C0OPS }
routes:
  - { match: { stage: payment }, team: payments }
  - { match: { stage: [fulfillment, post_purchase] }, team: fulfillment }
  - { team: ops }
`;

beforeEach(() => {
  temp = tempDir();
  writeFileSync(path.join(temp.dir, 'cartwatch.yml'), CONFIG);
});
afterEach(async () => {
  await app?.stop();
  app = undefined;
  temp.cleanup();
});

const dbPath = () => path.join(temp.dir, 'cw.db');

async function cartwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'silence', ...args], {
      cwd: temp.dir,
      env: { PATH: process.env.PATH ?? '', CARTWATCH_DB: dbPath(), ...sharedClockEnv() },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cartwatch silence', () => {
  it('when a silence is added, listed, added again for longer and ended, then each step says what it did and is audited', async () => {
    const added = await cartwatch(
      'add',
      '--team',
      'payments',
      '--stage',
      'payment',
      '--error-code',
      'processing_error',
      '--for',
      '2h',
      '--reason',
      'PSP maintenance',
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(
      /^silence #1 created: payments team, stage payment, error code processing_error, until \S+Z: PSP maintenance\n$/,
    );
    const listed = await cartwatch('list');
    expect(listed.stdout).toMatch(
      /^#1 payments team, stage payment, error code processing_error, until \S+: PSP maintenance · by cli:\S+ · 0 open held back\n$/,
    );
    expect((await cartwatch('list', '--team', 'ops')).stdout).toBe(
      'No silences hold now for the ops team.\n',
    );

    // The same team and matchers, in another order: the active one lasts longer instead.
    const again = await cartwatch(
      'add',
      '--team=payments',
      '--error-code=processing_error',
      '--stage=payment',
      '--for=4h',
      '--reason=Still migrating',
    );
    expect(again.stdout).toMatch(/^silence #1 extended: /);
    const shorter = await cartwatch(
      'add',
      '--team=payments',
      '--stage=payment',
      '--error-code=processing_error',
      '--for=1h',
      '--reason=x',
    );
    expect(shorter.stdout).toMatch(/^silence #1 already holds until \S+; nothing changed\n$/);

    const ended = await cartwatch('end', '1');
    expect(ended).toMatchObject({ code: 0 });
    expect(ended.stdout).toContain('silence #1 ended');
    expect((await cartwatch('end', '1')).stdout).toMatch(
      /^silence #1 already ended at \S+; nothing to do\n$/,
    );
    expect((await cartwatch('list')).stdout).toBe('No silences hold now.\n');

    const store = SqliteStore.open(dbPath());
    try {
      const audit = await store.silenceAudit(1);
      expect(audit.map((a) => a.action)).toEqual(['created', 'extended', 'ended']);
      expect(audit.every((a) => a.actor.startsWith('cli:'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it.each([
    [['add'], 'add needs --team: one of payments, fulfillment, ops'],
    [
      ['add', '--team', 'paymnets', '--stage', 'payment'],
      'unknown team "paymnets"; did you mean "payments"?',
    ],
    [
      ['add', '--team', 'payments', '--for', '1h', '--reason', 'x'],
      'add needs at least one of --stage, --step, --error-code, --source besides --team',
    ],
    [
      ['add', '--team', 'payments', '--stage', 'paymnt'],
      '--stage: unknown stage "paymnt"; did you mean "payment"?',
    ],
    [['add', '--team', 'payments', '--step', 'capture', '--reason', 'x'], 'add needs --for, how long'],
    [
      ['add', '--team', 'payments', '--step', 'capture', '--for', '8d', '--reason', 'x'],
      '--for is at most 7d, got "8d"',
    ],
    [
      ['add', '--team', 'payments', '--step', 'capture', '--for', 'soon', '--reason', 'x'],
      '--for must be a duration such as 30m, 2h or 1d, got "soon"',
    ],
    [
      ['add', '--team', 'payments', '--step', 'capture', '--for', '1h', '--reason', '  '],
      'add needs --reason',
    ],
    [['add', '--team', 'payments', '--stage'], '--stage needs a value'],
    [['add', '--teams', 'payments'], 'unknown option "--teams"; did you mean "--team"?'],
    [['end'], 'end needs the ID of a silence'],
    [['end', 'first'], 'ID must be a whole number of at least 1, got "first"'],
    [['end', '1', '--stage', 'payment'], 'end takes no --stage; those are for add'],
    [['list', '7'], 'unexpected argument "7": only end takes an ID'],
    [['mute'], 'unknown subcommand "mute"; use one of add, list, end'],
    [[], 'missing what to do; use one of add, list, end'],
  ])('when given %j, then it names the mistake, shows the usage and exits 1', async (args, message) => {
    const result = await cartwatch(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cartwatch silence: ${message}`);
    expect(result.stderr).toContain('Usage: cartwatch silence add --team NAME');
  });

  it('when asked to end a silence that does not exist, then it says so and exits 1', async () => {
    const result = await cartwatch('end', '42');
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toBe(
      'cartwatch: no silence #42; `cartwatch silence list` shows those holding now\n',
    );
  });

  it('when the running Cartwatch shares the database, then it tells a silence added from the shell, holds back what matches, and posts it with the summary when the silence is ended there', async () => {
    app = await startSlackTestApp({ dbPath: dbPath() });
    const added = await cartwatch(
      'add',
      '--team',
      'payments',
      '--source',
      'adyen',
      '--for',
      '1h',
      '--reason',
      'PSP migration',
    );
    expect(added.code).toBe(0);
    app.running.sendNow();
    const [notice] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(notice?.args.text).toContain('(command line) silenced the payments team');

    await app.postEvents(failure('cart_adyen', { source: 'adyen' }));
    await app.running.detectNow();
    expect((await app.running.store.exceptionsOfCart('cart_adyen'))[0]?.silenceId).toBe(1);

    expect((await cartwatch('end', '1')).code).toBe(0);
    await app.running.sweepNow();
    app.running.sendNow();
    await waitFor(() => rootPosts(app as SlackTestApp).length === 3, { what: 'the summary and the post' });
    expect(
      rootPosts(app)
        .map((c) => c.args.text)
        .slice(1),
    ).toEqual([
      expect.stringMatching(
        /ended early \(by .+ \(command line\)\): 1 exception while it held, 1 still open, posted below/,
      ),
      expect.stringContaining('cart_adyen'),
    ]);
  });
});
