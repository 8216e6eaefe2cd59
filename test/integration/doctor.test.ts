import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config.js';
import { formatChecks, problemsIn } from '../../src/doctor/check.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { createLogger } from '../../src/logger.js';
import { BOT_SCOPES } from '../../src/slack/scopes.js';
import { INGEST_SECRET } from '../support/app.js';
import { CLI } from '../support/child.js';
import { sharedClockEnv } from '../support/clock-env.js';
import { createDatabase } from '../support/database.js';
import { FakeSlack } from '../support/fake-slack.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
/** Slack's signing secrets are 32 hex characters. */
const SIGNING_SECRET = '8f742231b10e8888abcd99eeeeee85a5';

const CONFIG = `
teams:
  payments:    { channel: C0PAY, mention: S0PAYTEAM, members: [U0ANNA, S0PAYTEAM] }
  fulfillment: { channel: C0FUL, mention: S0NOSUCH }
  ops:         { channel: C0OPS }
routes:
  - { match: { stage: payment }, team: payments }
  - { team: ops }
escalation: { after: 15m, channel: C0MGR }
`;

let temp: ReturnType<typeof tempDir>;
let slack: FakeSlack;
let env: Record<string, string>;

beforeEach(async () => {
  temp = tempDir();
  slack = await new FakeSlack().start();
  slack.grantedScopes = Object.keys(BOT_SCOPES);
  slack.userGroups.set('S0PAYTEAM', ['U0BEN', 'U0CARA']);
  slack.userGroups.set('S0NOSUCH', ['U0DAN']);
  slack.channels.set('C0PAY', { name: 'payments', is_member: true });
  slack.channels.set('C0FUL', { name: 'fulfilment' });
  slack.channels.set('C0OPS', { name: 'ops' });
  slack.channels.set('C0MGR', { name: 'managers', is_private: true, is_member: true });
  const config = path.join(temp.dir, 'cartwatch.yml');
  writeFileSync(config, CONFIG);
  env = {
    PATH: process.env.PATH ?? '',
    ...sharedClockEnv(),
    SLACK_BOT_TOKEN: 'xoxb-doctor-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    CARTWATCH_INGEST_SECRET: INGEST_SECRET,
    CARTWATCH_CONFIG: config,
    CARTWATCH_DB: path.join(temp.dir, 'cartwatch.db'),
  };
  await createDatabase(env.CARTWATCH_DB as string, Date.now());
});
afterEach(async () => {
  await slack.stop();
  chmodSync(temp.dir, 0o700);
  temp.cleanup();
});

async function doctor(
  args: string[] = [],
  options: { env?: Record<string, string | undefined>; uid?: number; gid?: number } = {},
): Promise<{ code: number; stdout: string }> {
  const merged = Object.fromEntries(
    Object.entries({ ...env, ...options.env }).filter((e): e is [string, string] => e[1] !== undefined),
  );
  try {
    const { stdout } = await run(process.execPath, [CLI, 'doctor', ...args], {
      cwd: temp.dir,
      env: merged,
      ...(options.uid !== undefined && { uid: options.uid, gid: options.gid }),
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout + e.stderr };
  }
}

/**
 * The same checks in this process (what `cartwatch doctor` prints, and its exit code), for the
 * faults whose telling does not depend on the command line around them: quicker than a child each.
 */
async function checks(
  args: { url?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ code: number; stdout: string }> {
  const vars = Object.fromEntries(
    Object.entries({ ...env, ...args.env }).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const found = await runDoctor({
    env: loadEnv({ env: vars, cwd: temp.dir, readDotEnv: false }),
    cwd: temp.dir,
    logger: createLogger('error'),
    ...(args.url !== undefined && { url: args.url }),
  });
  return { code: problemsIn(found).length > 0 ? 1 : 0, stdout: formatChecks(found) };
}

/** The FAIL line about `subject` and the fix on the line after it. */
function problem(stdout: string, subject: string): { problem: string; fix: string } {
  const lines = stdout.split('\n');
  const at = lines.findIndex((line) => line.startsWith(`FAIL  ${subject}`));
  if (at === -1) throw new Error(`no FAIL line for ${subject} in:\n${stdout}`);
  return { problem: lines[at] ?? '', fix: lines[at + 1]?.trim() ?? '' };
}

describe('cartwatch doctor', () => {
  let app: SlackTestApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('when the install is sound, then every check passes, the public URL included, and it exits 0', async () => {
    app = await startSlackTestApp({ slack });
    const result = await doctor(['--url', app.url]);
    expect(result.stdout).not.toContain('FAIL');
    expect(result.code).toBe(0);
    for (const line of [
      'ok    Slack bot token: @cartwatch in Fake (T0FAKE)',
      `ok    scopes: all ${Object.keys(BOT_SCOPES).length} that manifest.yml asks for`,
      'ok    channel C0PAY (teams.payments.channel): #payments, the bot is in it',
      'ok    channel C0MGR (escalation.channel): #managers, the bot is in it',
      'ok    user group S0PAYTEAM (teams.payments.mention, teams.payments.members): readable, 2 people',
      `ok    ${app.url}/healthz: answers as Cartwatch (status ok)`,
      `ok    ${app.url}/slack/events: reaches Cartwatch's Slack endpoint`,
    ])
      expect(result.stdout).toContain(line);
    expect(result.stdout).toMatch(/database .*cartwatch\.db: schema \d+, writable/);
    // Secrets are named, never printed.
    expect(result.stdout).not.toContain(INGEST_SECRET);
    expect(result.stdout).not.toContain(SIGNING_SECRET);
  });

  it('when the workspace is not as the config expects, then each fault is named with its fix', async () => {
    slack.grantedScopes = Object.keys(BOT_SCOPES).filter((s) => s !== 'usergroups:read');
    slack.channels.set('C0PAY', 'missing');
    slack.channels.set('C0FUL', { name: 'fulfilment', is_archived: true });
    slack.channels.set('C0OPS', { name: 'ops-private', is_private: true, is_member: false });
    slack.userGroups.delete('S0NOSUCH');
    const result = await doctor();
    expect(result.code).toBe(1);

    expect(problem(result.stdout, 'scopes')).toEqual({
      problem: expect.stringContaining('lacks a scope manifest.yml asks for: usergroups:read'),
      fix: expect.stringMatching(/^fix: add usergroups:read under OAuth & Permissions .* reinstall the app/),
    });
    expect(problem(result.stdout, 'channel C0PAY')).toEqual({
      problem: 'FAIL  channel C0PAY (teams.payments.channel): not found, or private without the bot in it',
      fix: expect.stringMatching(/^fix: check the id in cartwatch.yml .*\/invite @cartwatch$/),
    });
    expect(problem(result.stdout, 'channel C0FUL')).toEqual({
      problem: 'FAIL  channel C0FUL (teams.fulfillment.channel): #fulfilment is archived',
      fix: 'fix: unarchive #fulfilment in Slack, or point teams.fulfillment.channel at a live channel in cartwatch.yml',
    });
    expect(problem(result.stdout, 'channel C0OPS')).toEqual({
      problem: 'FAIL  channel C0OPS (teams.ops.channel): #ops-private is private and @cartwatch is not in it',
      fix: 'fix: invite @cartwatch to #ops-private: /invite @cartwatch',
    });
    expect(problem(result.stdout, 'user group S0NOSUCH')).toEqual({
      problem: expect.stringContaining('(teams.fulfillment.mention): cannot be read (no_such_subteam)'),
      fix: expect.stringContaining('check the id in cartwatch.yml'),
    });
    expect(result.stdout).toContain('ok    user group S0PAYTEAM');
    expect(result.stdout).toContain('5 problems found; each is followed by its fix.');
  });

  it('when the token cannot read user groups, then the members it names are said to be refused, with the scope to add', async () => {
    slack.failNext('usergroups.users.list', { error: 'missing_scope' });
    const result = await checks();
    expect(result.code).toBe(1);
    expect(problem(result.stdout, 'user group S0PAYTEAM')).toEqual({
      problem: expect.stringContaining('cannot be read (missing_scope); its people are refused every action'),
      fix: 'fix: add usergroups:read under OAuth & Permissions → Bot Token Scopes, then reinstall the app',
    });
  });

  it('when Slack refuses the bot token, then that is the Slack problem reported, with where to copy a good one', async () => {
    slack.failNext('auth.test', { error: 'invalid_auth' });
    const result = await checks();
    expect(result.code).toBe(1);
    expect(problem(result.stdout, 'Slack bot token')).toEqual({
      problem: 'FAIL  Slack bot token: Slack refused SLACK_BOT_TOKEN (invalid_auth)',
      fix: expect.stringContaining('copy the Bot User OAuth Token (xoxb-…) again'),
    });
    expect(slack.callsOf('conversations.info')).toHaveLength(0);
  });

  it('when Socket Mode is configured, then the app-level token is tried, and a refused one is named with its fix', async () => {
    slack.handlers.set('apps.connections.open', (_args, call) =>
      call.token === 'xapp-good'
        ? { ok: true, url: 'wss://example.invalid/' }
        : { ok: false, error: 'invalid_auth' },
    );
    expect((await checks({ env: { SLACK_APP_TOKEN: 'xapp-good' } })).stdout).toContain(
      'ok    Socket Mode: SLACK_APP_TOKEN may open connections',
    );
    const refused = await checks({ env: { SLACK_APP_TOKEN: 'xapp-revoked' } });
    expect(refused.code).toBe(1);
    expect(problem(refused.stdout, 'Socket Mode').fix).toContain('connections:write');
  });

  it('when the database was written by a newer Cartwatch, then doctor says so and changes nothing', async () => {
    const db = new Database(env.CARTWATCH_DB as string);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')").run();
    db.close();
    const result = await checks();
    expect(result.code).toBe(1);
    expect(problem(result.stdout, 'database')).toEqual({
      problem: expect.stringMatching(
        /schema version 999 was written by a newer Cartwatch; this one knows up to \d+$/,
      ),
      fix: 'fix: run the newer Cartwatch that wrote it (or restore a backup made by this version)',
    });
  });

  it('when the database cannot be written by the user Cartwatch runs as, then doctor names the file and the access to grant', async () => {
    chmodSync(env.CARTWATCH_DB as string, 0o444);
    chmodSync(temp.dir, 0o555);
    // File modes do not bind root: run as an unprivileged user then, as a service would.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = await doctor([], asNobody);
    expect(result.code).toBe(1);
    const found = problem(result.stdout, 'database');
    expect(found.problem).toMatch(/cannot be (opened|written)/);
    expect(found.fix).toContain('give the user Cartwatch runs as write access to the file and its folder');
  });

  it('when secrets are missing or cut short, then each is named (never printed) with where to get it', async () => {
    const result = await checks({
      env: {
        CARTWATCH_INGEST_SECRET: undefined,
        SLACK_SIGNING_SECRET: 'abc123abc123',
        STRIPE_WEBHOOK_SECRET: 'sk_live_not_a_webhook_secret',
        SHOPIFY_WEBHOOK_SECRET: 'short',
      },
    });
    expect(result.code).toBe(1);
    expect(problem(result.stdout, 'CARTWATCH_INGEST_SECRET')).toEqual({
      problem: 'FAIL  CARTWATCH_INGEST_SECRET: not set: POST /events refuses every event',
      fix: expect.stringContaining('openssl rand -hex 24'),
    });
    expect(problem(result.stdout, 'SLACK_SIGNING_SECRET').problem).toContain(
      "12 characters where Slack's have 32: it looks cut short",
    );
    expect(problem(result.stdout, 'STRIPE_WEBHOOK_SECRET').fix).toContain('whsec_');
    expect(problem(result.stdout, 'SHOPIFY_WEBHOOK_SECRET').problem).toContain('5 characters');
    for (const secret of ['abc123abc123', 'sk_live_not_a_webhook_secret'])
      expect(result.stdout).not.toContain(secret);
  });

  it('when the ingest secret is too short to start with, then that is reported as the environment problem it is', async () => {
    const result = await doctor([], { env: { CARTWATCH_INGEST_SECRET: 'tooshort' } });
    expect(result.code).toBe(1);
    expect(problem(result.stdout, 'CARTWATCH_INGEST_SECRET')).toEqual({
      problem: expect.stringContaining(
        'must be at least 16 characters; generate one with `openssl rand -hex 24`',
      ),
      fix: expect.stringContaining('then run cartwatch doctor again'),
    });
    expect(result.stdout).not.toContain('tooshort');
  });

  it('when --url does not answer, then doctor says so with what to check', async () => {
    const closed = await unusedPort();
    const result = await checks({ url: `http://127.0.0.1:${closed}` });
    expect(result.code).toBe(1);
    expect(problem(result.stdout, `http://127.0.0.1:${closed}/healthz`)).toEqual({
      problem: expect.stringContaining('does not answer (ECONNREFUSED)'),
      fix: expect.stringContaining('forward http://127.0.0.1:'),
    });
  });
});

/** A port nothing listens on: taken from the OS, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
