import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, BLOCK, INPUT, VIEW } from '../../src/slack/ids.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction, viewSubmissionPayload } from '../support/slack-requests.js';

let app: SlackTestApp;

beforeEach(async () => {
  app = await startSlackTestApp();
  await app.postEvents(anEvent({ cart_id: 'cart_r', status: 'failed', error: { code: 'card_declined' } }));
  await app.slack.waitForCalls('chat.postMessage', 1);
});
afterEach(async () => {
  await app.stop();
});

async function openModal(): Promise<string> {
  const post = app.slack.callsOf('chat.postMessage')[0];
  const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[1].value;
  await postInteraction(app.url, buttonPayload({ actionId: ACTION.reassign, value }));
  const [open] = await app.slack.waitForCalls('views.open', 1);
  const view = JSON.parse(open?.args.view);
  expect(view.callback_id).toBe(VIEW.reassign);
  expect(
    view.blocks.find((b: any) => b.block_id === BLOCK.reassignTeam).element.options.map((o: any) => o.value),
  ).toEqual(['payments', 'fulfillment', 'ops']);
  return view.private_metadata;
}

function submit(
  privateMetadata: string,
  fields: { team?: string; person?: string; note?: string },
  user = 'U0ALICE',
) {
  const values = {
    [BLOCK.reassignTeam]: {
      [INPUT.reassignTeam]: {
        type: 'static_select',
        selected_option: fields.team
          ? { text: { type: 'plain_text', text: fields.team }, value: fields.team }
          : null,
      },
    },
    [BLOCK.reassignPerson]: {
      [INPUT.reassignPerson]: { type: 'users_select', selected_user: fields.person ?? null },
    },
    [BLOCK.reassignNote]: { [INPUT.reassignNote]: { type: 'plain_text_input', value: fields.note ?? null } },
  };
  return postInteraction(
    app.url,
    viewSubmissionPayload({ callbackId: VIEW.reassign, privateMetadata, values, user }),
  );
}

describe('reassign', () => {
  it('when reassigned to another team with a note, then it is posted in that channel and the old message points there', async () => {
    const metadata = await openModal();
    const res = await submit(metadata, { team: 'fulfillment', note: 'Card issuer says retry after 10:00' });
    expect(res.status).toBe(200);
    const posts = await app.slack.waitForCalls('chat.postMessage', 3);
    const roots = posts.filter((p) => p.args.thread_ts === undefined);
    expect(roots.map((p) => p.args.channel)).toEqual(['C0PAYMENTS', 'C0FULFIL']);
    const [moved] = await app.slack.waitForCalls('chat.update', 1);
    expect(moved?.args.channel).toBe('C0PAYMENTS');
    expect(moved?.args.ts).toBe(roots[0]?.reply?.ts);
    expect(JSON.stringify(moved?.blocks)).toContain(
      'Cart `cart_r`: reassigned to <#C0FULFIL> (fulfillment team)',
    );
    const handoff = posts.find((p) => p.args.thread_ts !== undefined);
    expect(handoff?.args).toMatchObject({ channel: 'C0FULFIL', thread_ts: roots[1]?.reply?.ts });
    expect(handoff?.args.text).toContain('reassigned this to the fulfillment team');
    expect(handoff?.args.text).toContain('Card issuer says retry after 10:00');
    const exception = await app.running.store.findException(1);
    expect(exception).toMatchObject({ team: 'fulfillment', channel: 'C0FULFIL', count: 1 });
    const audit = await app.running.store.auditOf(1);
    expect(audit[1]).toMatchObject({
      action: 'reassigned',
      actor: 'U0ALICE',
      note: 'to team fulfillment: Card issuer says retry after 10:00',
    });
  });

  it('when reassigned to a person, then the message shows them and the thread mentions them', async () => {
    const metadata = await openModal();
    await submit(metadata, { person: 'U0BEN', note: 'Yours, Ben' });
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    const drawn = JSON.stringify(update?.blocks);
    expect(drawn).toContain('Assigned to <@U0BEN>, not yet acknowledged');
    expect(drawn).not.toContain('unclaimed');
    expect(drawn).toContain('Routed to payments: stage is payment');
    const posts = await app.slack.waitForCalls('chat.postMessage', 2);
    expect(posts[1]?.args.text).toContain('reassigned this to <@U0BEN>');
  });

  it('when the note is missing, then the modal shows an error and nothing changes', async () => {
    const metadata = await openModal();
    const res = await submit(metadata, { team: 'ops', note: '   ' });
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { [BLOCK.reassignNote]: 'Write a handoff note for the next owner.' },
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await app.running.store.findException(1))?.team).toBe('payments');
    expect(app.slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('when reassigned to the team that already has it and nobody else, then the modal says why and nothing changes', async () => {
    const metadata = await openModal();
    const res = await submit(metadata, { team: 'payments', note: 'Back to you' });
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { [BLOCK.reassignTeam]: 'It is already with the payments team: pick another team or person.' },
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await app.running.store.auditOf(1)).toHaveLength(1);
    expect(app.slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('when reassigned to the person who already has it, then it is refused with the reason', async () => {
    await submit(await openModal(), { person: 'U0BEN', note: 'Yours, Ben' });
    await app.slack.waitForCalls('chat.update', 1);
    await app.slack.waitForCalls('chat.postMessage', 2);
    const res = await submit(await openModal(), { person: 'U0BEN', note: 'Still yours' });
    expect(await res.json()).toMatchObject({
      errors: {
        [BLOCK.reassignTeam]:
          'It is already with the payments team, assigned to that person: pick another team or person.',
      },
    });
    expect((await app.running.store.auditOf(1)).filter((a) => a.action === 'reassigned')).toHaveLength(1);
  });

  it('when the private metadata is forged, then the submission is refused and nothing changes', async () => {
    const res = await submit('{"id":"1; DROP TABLE exceptions"}', { team: 'ops', note: 'x' });
    expect(((await res.json()) as { response_action: string }).response_action).toBe('errors');
    expect((await app.running.store.findException(1))?.team).toBe('payments');
  });
});
