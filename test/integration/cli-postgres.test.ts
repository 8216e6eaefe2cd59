import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI } from '../support/child.js';
import { sharedClockEnv } from '../support/clock-env.js';
import { anEvent } from '../support/events.js';
import { freshPostgresUrl } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
let temp: ReturnType<typeof tempDir>;
let url: string;

beforeEach(async () => {
  temp = tempDir();
  // The test server trusts its socket, so a password can be given just to see it masked.
  url = (await freshPostgresUrl()).replace('postgres://postgres@', 'postgres://postgres:s3cret@');
});
afterEach(() => temp.cleanup());

async function cartwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: temp.dir,
      env: { PATH: process.env.PATH ?? '', CARTWATCH_DB: url, ...sharedClockEnv() },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each command is a process of its own that connects and checks the schema: a few seconds apiece here.
describe('the command line on a Postgres CARTWATCH_DB', () => {
  it('when events are imported, a silence added and listed, a digest and a report asked for, then each works on the Postgres database', {
    timeout: 60_000,
  }, async () => {
    const file = path.join(temp.dir, 'events.ndjson');
    writeFileSync(
      file,
      `${[anEvent({ cart_id: 'cart_cli_1' }), anEvent({ cart_id: 'cart_cli_2' })].map((e) => JSON.stringify(e)).join('\n')}\n`,
    );
    const imported = await cartwatch('import', file);
    expect(imported).toMatchObject({
      code: 0,
      stdout: 'events.ndjson: 2 accepted, 0 duplicates, 0 invalid\n',
    });
    expect((await cartwatch('import', file)).stdout).toBe(
      'events.ndjson: 0 accepted, 2 duplicates, 0 invalid\n',
    );

    const added = await cartwatch(
      'silence',
      'add',
      '--team',
      'payments',
      '--stage',
      'payment',
      '--for',
      '1h',
      '--reason',
      'psp maintenance',
    );
    expect(added.code).toBe(0);
    const listed = await cartwatch('silence', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('psp maintenance');
    expect((await cartwatch('webhooks', 'failed')).stdout).toBe('No webhook bodies have been refused.\n');
    const digest = await cartwatch('digest', '--team', 'payments', '--dry-run');
    expect(digest.code).toBe(0);
    expect(digest.stdout).not.toBe('');
    const report = await cartwatch('report', '--days', '1', '--format', 'csv');
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('exceptions,all,raised,0,0,');
    // Nothing of the URL was taken for a path: no folder named after it appeared here.
    expect(existsSync(path.join(temp.dir, 'postgres:'))).toBe(false);
  });

  it('when the server cannot be reached, then a command says which database (password masked) and what to check', async () => {
    url = `postgres://cartwatch:s3cret@localhost/cartwatch?host=${encodeURIComponent(temp.dir)}`;
    const result = await cartwatch('silence', 'list');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^cartwatch: cannot open the Postgres database postgres:\/\/cartwatch:\*\*\*@localhost\/cartwatch/,
    );
    expect(result.stderr).toContain('`cartwatch doctor` checks it');
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toContain('    at ');
  });

  it('when backup is asked for, then it copies nothing and points to pg_dump, without the password', async () => {
    const result = await cartwatch('backup', 'copy.db');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('back it up with Postgres');
    expect(result.stderr).toContain('pg_dump --format=custom');
    expect(result.stderr).toContain('postgres://postgres:***@localhost/');
    expect(result.stderr).not.toContain('s3cret');
    expect(existsSync(path.join(temp.dir, 'copy.db'))).toBe(false);
  });
});
