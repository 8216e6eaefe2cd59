import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/domain/local-time.js';
import { startTestApp } from '../support/app.js';
import { CLI } from '../support/child.js';
import { sharedClockEnv } from '../support/clock-env.js';
import { datesFrom, historyOf, postAll } from '../support/history.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const DAY = 86_400_000;
let temp: ReturnType<typeof tempDir>;
let dbPath: string;
// Relative to now: the child runs on the same clock as the suite (faketime included).
const today = localDate(Date.now(), 'UTC');
const days = datesFrom(localDate(Date.now() - 13 * DAY, 'UTC'), 13);

beforeAll(async () => {
  temp = tempDir();
  dbPath = path.join(temp.dir, 'cw.db');
  // Through the real server: ingest, then detection, which keeps the roll-ups the report reads.
  const app = await startTestApp({ dbPath });
  // The week before: 1 of 50 authorizations failing a day; the last six days before today: 6 of 50.
  await postAll(
    app,
    historyOf(
      days.map((date, i) => ({ date, carts: 50, failures: i < 7 ? 1 : 6, paymentMinutes: i < 7 ? 3 : 9 })),
    ),
  );
  await app.running.detectNow();
  await app.running.stop();
});
afterAll(() => temp.cleanup());

async function cartwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: temp.dir,
      env: { PATH: process.env.PATH ?? '', CARTWATCH_DB: dbPath, ...sharedClockEnv() },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cartwatch report', () => {
  it('when asked for CSV, then each figure is a row with this period, the one before and the trend', async () => {
    const result = await cartwatch('report', '--days', '7', '--format', 'csv');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const rows = result.stdout.trimEnd().split('\r\n');
    expect(rows[0]).toBe('section,subject,figure,this_period,before,trend');
    // 36 of 300 against 7 of 350.
    expect(rows).toContain('step,payment.authorize,failure_rate,0.12,0.02,worse');
    expect(rows).toContain('step,payment.authorize,attempts,300,350,');
    expect(rows).toContain(`step,payment.authorize,failure_rate_on_${today},,,`);
    expect(rows).toContain('step,checkout.submit,failure_rate,0,0,steady');
    expect(rows).toContain('error_code,processing_error,failures,36,7,');
    expect(rows).toContain('exceptions,USD,value_at_risk,360.00,,');
    expect(rows.find((r) => r.startsWith('stage,payment,median_seconds,'))).toMatch(/,worse$/);
  });

  it('when asked for Markdown, then the same figures are tables a weekly review can paste', async () => {
    const result = await cartwatch('report', '--days', '7');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `# Cartwatch report: last 7 days (${days[7]} – ${today}, UTC), all teams`,
    );
    expect(result.stdout).toContain('| payment.authorize | 300 | 36 | 12% | 2% | worse | ██████· | 0 | 0 |');
    expect(result.stdout).toContain('| Raised | 36 | 7 |');
    expect(result.stdout).toContain('## Time through each stage');
  });

  it('when a team is named, then only its steps are reported', async () => {
    const result = await cartwatch('report', '--team', 'ops', '--format', 'csv');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('step,checkout.submit,attempts,300,350,');
    expect(result.stdout).not.toContain('payment.authorize');
  });

  it('when an option is wrong, then the mistake is named with what is accepted, and the exit code is 1', async () => {
    for (const [args, message] of [
      [['--format', 'xml'], 'cartwatch report: unknown --format "xml"; use one of md, csv'],
      [['--days', '0'], 'cartwatch report: --days must be a whole number of at least 1, got "0"'],
      [['--days', '91'], 'cartwatch report: --days must be at most 90, got "91"'],
      [['--team', 'nope'], 'cartwatch report: unknown team "nope"; teams: payments, fulfillment, ops'],
      [['--weeks', '2'], 'cartwatch report: unknown option "--weeks"'],
    ] as const) {
      const result = await cartwatch('report', ...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stderr).toContain('Usage: cartwatch report');
    }
  });
});

describe('cartwatch digest --weekly', () => {
  it('when run with --dry-run, then the weekly digest due last is printed; without it, a new database says why none is queued', async () => {
    const dry = await cartwatch('digest', '--team', 'payments', '--weekly', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Cartwatch weekly · payments · \d{4}-W\d{2}\n/);
    const result = await cartwatch('digest', '--team', 'payments', '--weekly');
    expect(result).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^weekly digest for payments, \d{4}-W\d{2} \(due \d{4}-\d{2}-\d{2}\) not posted: its week began before Cartwatch counted trends/,
      ),
    });
  });
});
