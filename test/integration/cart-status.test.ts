import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postCommand, postInteraction } from '../support/slack-requests.js';

const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
let app: SlackTestApp;
let clock: TestClock;

beforeEach(async () => {
  clock = new TestClock(T0 + 30 * MINUTE);
  app = await startSlackTestApp({ clock });
});
afterEach(async () => {
  await app.stop();
});

async function ask(text: string, user?: string): Promise<{ status: number; body: any }> {
  const res = await postCommand(app.url, text, user ? { user } : {});
  return { status: res.status, body: await res.json().catch(() => null) };
}

const textOf = (body: any) => JSON.stringify(body?.blocks ?? []) + (body?.text ?? '');

describe('/cart-status <id>', () => {
  it('when asked by payment id, then the stitched timeline comes back to the caller only, late events marked and the next step due', async () => {
    await app.postEvents([
      anEvent({
        id: 'p',
        cart_id: undefined,
        payment_id: 'pi_77',
        stage: 'payment',
        step: 'authorize',
        status: 'succeeded',
        occurred_at: iso(T0 + 5 * MINUTE),
      }),
      anEvent({
        id: 'c',
        cart_id: 'cart_77',
        payment_id: 'pi_77',
        stage: 'checkout',
        step: 'submit',
        status: 'succeeded',
        occurred_at: iso(T0),
        amount: { value: 4200, currency: 'EUR' },
      }),
    ]);
    const reply = await ask('pi_77');
    expect(reply.status).toBe(200);
    expect(reply.body.response_type).toBe('ephemeral');
    const text = textOf(reply.body);
    expect(text).toContain('Cart cart_77');
    expect(text).toContain('value EUR 42.00');
    expect(text.indexOf('checkout.submit')).toBeLessThan(text.indexOf('payment.authorize'));
    expect(text).toContain('+5m');
    expect(text).toContain('_late_');
    expect(text).toContain('payment.capture expected by');
    expect(text).toContain('overdue 10m');
  });

  it('when the cart has an exception that was acknowledged, then it appears inline with who did it', async () => {
    await app.postEvents(
      anEvent({
        cart_id: 'cart_x',
        status: 'failed',
        error: { code: 'card_declined' },
        occurred_at: iso(T0),
      }),
    );
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0ANNA' }));
    await app.slack.waitForCalls('chat.update', 1);
    const text = textOf((await ask('cart_x')).body);
    expect(text).toContain('card_declined');
    expect(text).toContain('<@U0ANNA> acknowledged');
    expect(text).toContain('Cartwatch opened');
  });

  it('when a cart has 300 events, then the reply keeps the first and latest, counts the rest and stays within Slack limits', async () => {
    const events = Array.from({ length: 300 }, (_, i) =>
      anEvent({ cart_id: 'cart_big', step: `step_${i}`, status: 'started', occurred_at: iso(T0 + i * 1000) }),
    );
    await app.postEvents(events);
    const { body } = await ask('cart_big');
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    for (const block of body.blocks)
      if (block.text?.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    const text = textOf(body);
    expect(text).toContain('payment.step_0 ');
    expect(text).toContain('payment.step_299 ');
    expect(text).toContain('250 more events');
    expect(JSON.stringify(body.blocks).length).toBeLessThan(13_000);
  });

  it("when the id has the characters of a Shopify cart token, then it is found (Slack's escaping undone)", async () => {
    await app.postEvents(
      anEvent({ cart_id: 'c1-7f3e?key=ab12&v=2', stage: 'checkout', step: 'create', status: 'started' }),
    );
    const { body } = await ask('c1-7f3e?key=ab12&amp;v=2');
    expect(textOf(body)).toContain('Cart c1-7f3e?key=ab12&v=2');
  });

  it('when the id is unknown, then the reply says what was searched and which ids work', async () => {
    const { body } = await ask('cart_nope');
    expect(body.text).toContain('Nothing is known by `cart_nope`');
    expect(body.text).toContain('a cart, an order, a payment and a shipment');
  });

  it('when the argument is hostile or odd, then the reply explains and nothing is looked up or changed', async () => {
    for (const [input, expected] of [
      ['<@U123>', 'mention or a link'],
      ['<!channel>', 'mention or a link'],
      ['x'.repeat(5000), 'no id is that long'],
      ["cart'; DROP TABLE events;--", 'One id at a time'],
      ['cart_1;DROP', 'nothing is known by `cart_1;drop`'],
    ] as const) {
      const { status, body } = await ask(input);
      expect(status, input).toBe(200);
      expect(body.text.toLowerCase(), input).toContain(expected.toLowerCase());
      expect(body.text).not.toContain('<@U123>');
    }
    expect((await app.getCart('cart_1')).status).toBe(404);
  });
});

describe('/cart-status overview, mine and help', () => {
  it('when asked with no argument, then open exceptions per team and stage, the oldest unclaimed and waiting carts are shown', async () => {
    await app.postEvents([
      anEvent({
        cart_id: 'a',
        status: 'failed',
        error: { code: 'card_declined' },
        amount: { value: 1000, currency: 'USD' },
        occurred_at: iso(T0),
      }),
      anEvent({ cart_id: 'b', stage: 'fulfillment', step: 'pick', status: 'started', occurred_at: iso(T0) }),
    ]);
    await app.slack.waitForCalls('chat.postMessage', 1);
    const text = textOf((await ask('')).body);
    expect(text).toContain('*payments* · payment: 1 open, 0 acknowledged · USD 10.00 at risk');
    expect(text).toContain('unclaimed for 30m');
    expect(text).toContain('fulfillment: 1 carts');
    expect(text).toContain('Resolved today: 0');
  });

  it('when asked for mine, then the caller sees what is assigned to them with buttons', async () => {
    await app.postEvents(
      anEvent({ cart_id: 'm', status: 'failed', error: { code: 'x' }, occurred_at: iso(T0) }),
    );
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0BEN' }));
    await app.slack.waitForCalls('chat.update', 1);
    const mine = (await ask('mine', 'U0BEN')).body;
    expect(mine.text).toBe('Assigned to you: 1');
    expect(mine.blocks[2].elements.map((e: any) => e.text.text)).toEqual([
      'Unacknowledge',
      'Reassign',
      'Resolve',
      'Timeline',
    ]);
    expect((await ask('mine', 'U0OTHER')).body.text).toBe('Nothing is assigned to you.');
  });

  it('when a button is clicked on the mine reply, then the change is made and that reply is redrawn in place with the new state', async () => {
    await app.postEvents(
      ['m1', 'm2'].map((cart) =>
        anEvent({ cart_id: cart, status: 'failed', error: { code: 'x' }, occurred_at: iso(clock.now()) }),
      ),
    );
    const posts = await app.slack.waitForCalls('chat.postMessage', 2);
    for (const post of posts) {
      const value = post.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
      await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0BEN' }));
    }
    await app.slack.waitForCalls('chat.update', 2);
    const mine = (await ask('mine', 'U0BEN')).body;
    expect(mine.text).toBe('Assigned to you: 2');

    // Slack gives each click on an ephemeral reply a response_url: the only way to change that reply.
    const responseUrl = app.slack.responseUrl('mine');
    const clickOnMine = (block: any, label: string) => {
      const button = block.elements.find((e: any) => e.text.text === label);
      return buttonPayload({
        actionId: button.action_id,
        value: button.value,
        user: 'U0BEN',
        channel: 'C0OPS',
        blockId: block.block_id,
        ephemeral: { responseUrl },
      });
    };
    await postInteraction(app.url, clickOnMine(mine.blocks[2], 'Resolve'));
    const [redrawn] = await app.slack.waitForCalls('response_url', 1);
    expect(redrawn?.args).toMatchObject({ replace_original: true, text: 'Assigned to you: 1' });
    expect((await app.running.store.findException(1))?.state).toBe('resolved');
    const [, section, actions] = redrawn?.args.blocks ?? [];
    expect(section.text.text).toContain('m2');
    expect(actions.elements.map((e: any) => e.text.text)).toEqual([
      'Unacknowledge',
      'Reassign',
      'Resolve',
      'Timeline',
    ]);

    await postInteraction(app.url, clickOnMine(actions, 'Unacknowledge'));
    const again = (await app.slack.waitForCalls('response_url', 2))[1];
    expect(again?.args).toMatchObject({ replace_original: true, text: 'Nothing is assigned to you.' });
    expect(await app.running.store.findException(2)).toMatchObject({ state: 'open' });
    expect(app.slack.callsOf('chat.postEphemeral')).toHaveLength(0);
  });

  it('when asked for help, or the request is unsigned, then help comes back, or 401', async () => {
    expect((await ask('help')).body.text).toContain('/cart-status mine');
    expect((await postCommand(app.url, 'help', { sign: false })).status).toBe(401);
  });
});
