import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { BOT_SCOPES } from '../../src/slack/scopes.js';
import { INGEST_SECRET } from '../support/app.js';
import { startChild } from '../support/child.js';
import { anEvent } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { startSlackTestApp } from '../support/slack-app.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Line {
  time: string;
  level: string;
  message: string;
  [field: string]: unknown;
}

describe('LOG_FORMAT=json', () => {
  it('when Cartwatch runs live with problems in its install, then every line of its output is one JSON object, and the start-up checks name each problem with its fix, without a secret', async () => {
    const temp = tempDir();
    const slack = await new FakeSlack().start();
    cleanups.push(
      () => temp.cleanup(),
      () => slack.stop(),
    );
    slack.grantedScopes = Object.keys(BOT_SCOPES).filter((scope) => scope !== 'groups:read');
    slack.channels.set('C0PAY', { name: 'payments', is_archived: true });
    const config = path.join(temp.dir, 'cartwatch.yml');
    writeFileSync(config, 'teams:\n  payments: { channel: C0PAY }\nroutes:\n  - { team: payments }\n');
    const secrets = {
      CARTWATCH_INGEST_SECRET: INGEST_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-json-logs-secret-4242',
      SLACK_SIGNING_SECRET: 'json-logs-signing-secret-4242-4242',
    };
    const child = await startChild({
      ...secrets,
      CARTWATCH_DB: path.join(temp.dir, 'cartwatch.db'),
      CARTWATCH_CONFIG: config,
      SLACK_API_URL: slack.url,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    });
    cleanups.unshift(async () => {
      child.process.kill('SIGKILL');
      await child.exited;
    });
    await waitFor(() => child.output().includes('start-up checks:'), {
      timeoutMs: 15_000,
      what: 'the start-up checks summary',
    });
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);

    const lines = linesOf(child.output());
    for (const line of lines) {
      expect(new Date(line.time).toISOString()).toBe(line.time);
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(typeof line.message).toBe('string');
    }
    expect(lines[0]).toMatchObject({
      message: expect.stringContaining('Cartwatch listening on'),
      url: child.url,
      slack: 'slack',
    });
    const checks = lines.filter((line) => line.message.startsWith('start-up check: '));
    expect(checks).toEqual([
      expect.objectContaining({
        level: 'warn',
        check: 'scopes',
        message: expect.stringMatching(
          /lacks a scope manifest.yml asks for: groups:read .*; fix: add groups:read/,
        ),
      }),
      expect.objectContaining({
        level: 'warn',
        check: 'channel C0PAY (teams.payments.channel)',
        message: expect.stringContaining('#payments is archived; fix: unarchive #payments'),
      }),
    ]);
    expect(lines.find((line) => line.message.startsWith('start-up checks:'))?.message).toMatch(
      /^start-up checks: 2 of \d+ found a problem; `cartwatch doctor` checks again$/,
    );
    expect(lines.at(-1)?.message).toBe('stopped cleanly');
    for (const secret of Object.values(secrets)) expect(child.output()).not.toContain(secret);
  }, 40_000);

  it('when a Slack post is given up, then its line names the outbox row, the exception and the team, and not the event text', async () => {
    const output: string[] = [];
    const sink = { out: (line: string) => output.push(line), err: (line: string) => output.push(line) };
    const app = await startSlackTestApp({ logger: createLogger('warn', { format: 'json', sink }) });
    cleanups.push(() => app.stop());
    app.slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const marker = 'PAYLOAD_MARKER jane.doe@example.com';
    await app.postEvents(
      anEvent({
        cart_id: 'cart_json',
        status: 'failed',
        error: { code: 'processing_error', message: marker },
      }),
    );
    await waitFor(() => output.some((line) => line.includes('given up')), { what: 'the outbox giving up' });
    const lines = linesOf(output.join(''));
    expect(lines.find((line) => line.message.includes('given up'))).toEqual({
      time: expect.any(String),
      level: 'error',
      name: 'cartwatch',
      message: 'Slack post to C0PAYMENTS given up: channel_not_found',
      outbox_id: expect.any(Number),
      kind: 'post',
      channel: 'C0PAYMENTS',
      exception_id: 1,
      team: 'payments',
    });
    expect(output.join('')).not.toContain('PAYLOAD_MARKER');
  });
});

function linesOf(output: string): Line[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Line);
}
