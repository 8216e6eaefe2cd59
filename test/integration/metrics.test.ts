import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

let app: SlackTestApp;
beforeEach(async () => {
  app = await startSlackTestApp();
});
afterEach(async () => {
  await app.stop();
});

const metrics = async () => (await fetch(`${app.url}/metrics`)).text();

describe('GET /metrics', () => {
  it('when events, exceptions, clicks, digests and Slack errors happen, then the operator sees each counted, and no customer data', async () => {
    const failure = anEvent({
      cart_id: 'cart_secret_123',
      status: 'failed',
      error: { code: 'card_declined', message: 'bob@example.com' },
    });
    await app.postEvents([
      failure,
      anEvent({ cart_id: 'cart_secret_123', stage: 'checkout', step: 'submit' }),
    ]);
    await app.postEvents(failure);
    await app.postEvents({ id: 'bad' });
    await app.running.detectNow();
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    app.slack.failNext('chat.update', { error: 'message_not_found' });
    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value }));
    // A new database's first day has no digest unless asked for, as the sandbox's demo does.
    await app.running.digests.run('payments', { evenOnFirstDay: true });
    await waitFor(
      async () =>
        (await metrics()).includes(
          'cartwatch_slack_errors_total{method="chat.update",code="message_not_found",instance="test"} 1',
        ),
      {
        what: 'the Slack error counted',
      },
    );
    const text = await metrics();
    expect(text).toContain(
      'cartwatch_events_stored_total{source="stripe",stage="payment",instance="test"} 1',
    );
    expect(text).toContain(
      'cartwatch_events_stored_total{source="stripe",stage="checkout",instance="test"} 1',
    );
    expect(text).toContain('cartwatch_events_duplicate_total{instance="test"} 1');
    expect(text).toContain('cartwatch_ingest_rejected_total{status="400",instance="test"} 1');
    expect(text).toMatch(/cartwatch_ingest_seconds_count\{instance="test"\} 3\n/);
    expect(text).toContain('cartwatch_exceptions_open{team="payments",kind="failed",instance="test"} 1');
    expect(text).toContain(
      'cartwatch_exception_handled_seconds_count{instance="test",action="acknowledge"} 1',
    );
    expect(text).toContain('cartwatch_digest_runs_total{team="payments",outcome="posted",instance="test"} 1');
    expect(text).toMatch(/cartwatch_outbox_pending\{instance="test"\} \d+/);
    expect(text).not.toContain('cart_secret_123');
    expect(text).not.toContain('bob@example.com');
  });

  it('when later events resolve an exception, then its time to resolve is counted as an automatic resolution', async () => {
    await app.postEvents(anEvent({ cart_id: 'cart_auto', status: 'failed', error: { code: 'timeout' } }));
    await app.running.detectNow();
    await app.postEvents(
      anEvent({ cart_id: 'cart_auto', status: 'succeeded', occurred_at: '2026-11-27T09:05:00.000Z' }),
    );
    await app.running.detectNow();
    expect((await app.running.store.findException(1))?.state).toBe('resolved');
    expect(await metrics()).toContain(
      'cartwatch_exception_handled_seconds_count{instance="test",action="auto_resolve"} 1',
    );
  });
});
