import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { CLI } from '../support/child.js';
import { sharedClockEnv } from '../support/clock-env.js';
import { anEvent } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('backup and restore', () => {
  it('when a running bot is backed up and later started on the restored file, then its events, exceptions, their Slack messages and digests are all there, and nothing is posted again', async () => {
    const temp = tempDir();
    const slack = await new FakeSlack().start();
    cleanups.push(
      () => temp.cleanup(),
      () => slack.stop(),
    );
    const dbPath = path.join(temp.dir, 'cartwatch.db');
    const before: SlackTestApp = await startSlackTestApp({ slack, dbPath });
    let running: SlackTestApp | undefined = before;
    cleanups.push(() => running?.stop());

    await before.postEvents([
      anEvent({ cart_id: 'cart_kept', stage: 'checkout', step: 'submit' }),
      anEvent({ cart_id: 'cart_kept', status: 'failed', error: { code: 'processing_error' } }),
    ]);
    const [post] = await slack.waitForCalls('chat.postMessage', 1);
    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(before.url, buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0ANNA' }));
    await slack.waitForCalls('chat.update', 1);
    expect(await before.running.digests.run('payments', { evenOnFirstDay: true })).toBe('posted');
    await slack.waitForCalls('chat.postMessage', 3); // the acknowledgement in the thread, and the digest
    // Every Slack write recorded as sent (with its message's ts) before the copy is taken.
    await waitFor(async () => (await before.running.store.outboxHealth()).pending === 0, {
      what: 'the outbox drained',
    });

    // Backed up from the shell while the bot runs, as README says.
    const backup = path.join(temp.dir, 'cartwatch-backup.db');
    const { stdout } = await run(process.execPath, [CLI, 'backup', backup], {
      cwd: temp.dir,
      env: { PATH: process.env.PATH ?? '', CARTWATCH_DB: dbPath, ...sharedClockEnv() },
    });
    expect(stdout).toBe(`backed up to ${backup}\n`);
    // Life goes on after the copy; a restore returns to the moment of the backup.
    await before.postEvents(anEvent({ cart_id: 'cart_after_backup' }));
    await before.stop();
    running = undefined;

    // The restore, step by step as README gives it: stopped, copy over, stale WAL files removed.
    copyFileSync(backup, dbPath);
    rmSync(`${dbPath}-wal`, { force: true });
    rmSync(`${dbPath}-shm`, { force: true });
    expect(existsSync(dbPath)).toBe(true);
    const after = await startSlackTestApp({ slack, dbPath });
    running = after;

    const cart = await after.getCart('cart_kept');
    expect(cart.status).toBe(200);
    expect(cart.body.events.map((e: any) => `${e.stage}.${e.step}:${e.status}`)).toEqual([
      'checkout.submit:succeeded',
      'payment.authorize:failed',
    ]);
    expect((await after.getCart('cart_after_backup')).status).toBe(404);
    const exception = await after.running.store.findException(1);
    expect(exception).toMatchObject({ state: 'acknowledged', assignee: 'U0ANNA', slackTs: post?.reply?.ts });
    expect((await after.running.store.auditOf(1)).map((entry) => entry.action)).toEqual([
      'opened',
      'acknowledged',
    ]);
    expect(await after.running.digests.run('payments', { evenOnFirstDay: true })).toBe('already_ran');

    // A click on the old message still works: the restored row knows the message it edits.
    await postInteraction(
      after.url,
      buttonPayload({ actionId: ACTION.resolve, value: resolveValue(slack), user: 'U0ANNA' }),
    );
    const updates = await slack.waitForCalls('chat.update', 2);
    expect(updates[1]?.args.ts).toBe(post?.reply?.ts);
    expect(JSON.stringify(updates[1]?.blocks)).toContain('Resolved');
    // The exception and the digest were each posted once, before the backup; none again since.
    const roots = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
    expect(roots).toHaveLength(2);
  });
});

/** The Resolve button's value on the exception's latest rendering. */
function resolveValue(slack: FakeSlack): string {
  const updates = slack.callsOf('chat.update');
  const blocks = updates[updates.length - 1]?.blocks;
  const actions = blocks?.find((b) => b.type === 'actions');
  return actions?.elements.find((e: any) => e.action_id === ACTION.resolve)?.value ?? '';
}
