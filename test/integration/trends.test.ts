import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { datesFrom, historyOf, postAll } from '../support/history.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { postCommand } from '../support/slack-requests.js';

// Wednesday afternoon: "the last 7 days" are 11-26 … 12-02 (today so far), against 11-19 … 11-25.
const NOW = Date.parse('2026-12-02T15:00:00Z');
let app: SlackTestApp;

const FAILURES_THIS_WEEK = [2, 3, 5, 8, 5, 3, 2];

beforeAll(async () => {
  app = await startSlackTestApp({ clock: new TestClock(NOW) });
  const before = datesFrom('2026-11-19', 7).map((date) => ({
    date,
    carts: 100,
    failures: 1,
    paymentMinutes: 3,
  }));
  const thisWeek = datesFrom('2026-11-26', 7).map((date, i) => ({
    date,
    carts: 100,
    failures: FAILURES_THIS_WEEK[i] ?? 0,
    paymentMinutes: 8,
  }));
  await postAll(app, [
    ...historyOf([...before, ...thisWeek]),
    // Event text must never ping a channel from a trends reply.
    anEvent({ cart_id: 'hostile', stage: 'cart', step: '<!channel>', occurred_at: '2026-12-01T09:00:00Z' }),
  ]);
  await app.running.detectNow();
});
afterAll(async () => {
  await app.stop();
});

let asked = 0;

/** Each ask from another person: a repeated request, signed the same within a second, is a replay. */
async function ask(text: string): Promise<{ status: number; body: any; text: string }> {
  const res = await postCommand(app.url, text, { user: `U0ASKER${++asked}` });
  const body = await res.json();
  return { status: res.status, body, text: JSON.stringify(body.blocks ?? []) + body.text };
}

describe('/cart-status trends', () => {
  it('when payment.authorize failed four times as often this week, then the caller alone sees it worse, day by day, beside the steady steps', async () => {
    const reply = await ask('trends');
    expect(reply.status).toBe(200);
    expect(reply.body.response_type).toBe('ephemeral');
    expect(reply.text).toContain('Trends · last 7 days');
    // 28 of 700 attempts (today's 100 included) against 7 of 700.
    expect(reply.text).toContain('*payment.authorize* 4% failed of 700 (1% before) `▃▄▅█▅▄▃` 🔺 *worse*');
    expect(reply.text).toContain('*checkout.submit* 0% failed of 700 (0% before) `▁▁▁▁▁▁▁` steady');
    expect(reply.text).toContain('2026-11-26 – 2026-12-02 (UTC), against the 7 days before');
  });

  it('when carts take longer from authorize to order, then payment is slower and checkout steady', async () => {
    const { text } = await ask('trends');
    // Medians are read from buckets about a fifth wide: 8 minutes reads as 7m 50s.
    expect(text).toContain('*payment* median 7m 50s (2m 50s before) · 672 carts · 🔺 *worse*');
    expect(text).toContain('*checkout* median 2m (2m before) · 700 carts · steady');
    expect(text).not.toContain('counting began');
  });

  it('when failures carry codes and raise exceptions, then the noisiest code and the value at risk are shown', async () => {
    const { text } = await ask('trends');
    expect(text).toContain('`processing_error` 28 (7 before) · mostly payment.authorize');
    // Counted by when their failures occurred: an import of the past lands in the past.
    expect(text).toContain('*Exceptions raised:* 28 (7 before)');
    expect(text).toContain('*Value at risk:* USD 280.00');
  });

  it('when a step is named in the event with mrkdwn, then it is shown escaped and pings nobody', async () => {
    const { text } = await ask('trends');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
  });

  it('when asked for one step over more days, then only that step is shown, over those days', async () => {
    const { text } = await ask('trends payment.authorize --days 14');
    expect(text).toContain('Trends · last 14 days · payment.authorize');
    expect(text).toContain('*payment.authorize* 2.5% failed of 1,400 (none before)');
    expect(text).not.toContain('checkout.submit');
    // A client that turned -- into a dash is understood too.
    expect((await ask('trends payment —days 2')).text).toContain('Trends · last 2 days · payment');
  });

  it('when the arguments are wrong, then the reply says what is accepted', async () => {
    expect((await ask('trends paymnt')).text).toContain(
      'unknown stage \\"paymnt\\"; did you mean \\"payment\\"?',
    );
    expect((await ask('trends --days 0')).text).toContain(
      '`--days` takes a whole number of days from 1 to 90',
    );
    expect((await ask('trends --days 400')).text).toContain('not `400`');
    expect((await ask('trends payment checkout')).text).toContain('Give one stage or stage.step at a time');
    expect((await ask('trends --days 0')).text).toContain(
      'Usage: `/cart-status trends [stage|stage.step] [--days N]`',
    );
    expect((await ask('trends --weeks 2')).text).toContain('`--weeks` is not an option of trends');
  });
});

describe('/cart-status trends on many steps', () => {
  it('when a shop has more steps than a message holds, then the reply stays inside Block Kit limits and counts the rest', async () => {
    await postAll(
      app,
      Array.from({ length: 60 }, (_, i) =>
        anEvent({
          cart_id: `many_${i}`,
          stage: 'fulfillment',
          step: `step_${String(i).padStart(2, '0')}`,
          occurred_at: '2026-12-02T12:00:00Z',
        }),
      ),
    );
    await app.running.detectNow();
    const { body, text } = await ask('trends');
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    for (const block of body.blocks) {
      if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(JSON.stringify(body.blocks).length).toBeLessThan(12_000);
    expect(text).toMatch(/…and \d+ more/);
  });
});
