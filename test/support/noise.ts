import { expect } from 'vitest';
import { ACTION, BLOCK, INPUT, type MenuPick, VIEW } from '../../src/slack/ids.js';
import { anEvent } from './events.js';
import type { SlackCall } from './fake-slack.js';
import type { SlackTestApp } from './slack-app.js';
import { buttonPayload, postInteraction, viewSubmissionPayload } from './slack-requests.js';
import { waitFor } from './wait-for.js';

/** An operational payment failure: never suppressed, so raised and posted one by one. */
export function failure(cart: string, overrides: Record<string, unknown> = {}) {
  return anEvent({
    cart_id: cart,
    status: 'failed',
    error: { code: 'processing_error', message: 'The PSP answered 500.' },
    ...overrides,
  });
}

/** Root messages (not thread replies) posted so far, optionally in one channel. */
export function rootPosts(app: SlackTestApp, channel?: string): SlackCall[] {
  return app.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.thread_ts === undefined && (channel === undefined || c.args.channel === channel));
}

/** Thread replies posted so far. */
export function threadReplies(app: SlackTestApp): SlackCall[] {
  return app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts !== undefined);
}

/** The root post that shows cart `cart` (its fallback text names it). */
export async function postOf(app: SlackTestApp, cart: string): Promise<SlackCall> {
  await waitFor(() => rootPosts(app).some((c) => String(c.args.text).includes(cart)), {
    what: `the post for ${cart}`,
  });
  return rootPosts(app).find((c) => String(c.args.text).includes(cart)) as SlackCall;
}

/** The message as last drawn: its latest edit, else the post itself (buttons carry the revision drawn). */
export function latestDrawing(app: SlackTestApp, post: SlackCall): SlackCall {
  const edits = app.slack.callsOf('chat.update').filter((c) => c.args.ts === post.reply?.ts);
  return edits.at(-1) ?? post;
}

/** The ⋯ menu option of a message (or of its latest redraw) that does `pick`. */
export function menuOption(message: { blocks?: any[] }, pick: MenuPick): string {
  const menu = message.blocks
    ?.find((b) => b.type === 'actions')
    ?.elements.find((e: any) => e.action_id === ACTION.more);
  const option = menu?.options.find((o: any) => JSON.parse(o.value).pick === pick);
  expect(option, `the ⋯ menu offers ${pick}`).toBeDefined();
  return option.value;
}

/** Picks from the ⋯ menu and returns the modal it opened. */
export async function openFromMenu(
  app: SlackTestApp,
  message: { blocks?: any[] },
  pick: MenuPick,
  user = 'U0ALICE',
): Promise<any> {
  const before = app.slack.callsOf('views.open').length;
  const value = menuOption(message, pick);
  await postInteraction(app.url, buttonPayload({ actionId: ACTION.more, value, overflow: true, user }));
  const opened = await app.slack.waitForCalls('views.open', before + 1);
  return JSON.parse(opened[before]?.args.view);
}

export interface SilenceFields {
  kept: string[];
  duration?: string | null;
  reason?: string | null;
  user?: string;
}

/** Submits the Silence modal as Slack sends it; resolves to Slack's HTTP reply (errors, if any). */
export async function submitSilence(
  app: SlackTestApp,
  privateMetadata: string,
  fields: SilenceFields,
): Promise<{ status: number; body: any }> {
  const values = {
    [BLOCK.silenceMatch]: {
      [ACTION.silenceMatch]: {
        type: 'checkboxes',
        selected_options: fields.kept.map((value) => ({ text: { type: 'plain_text', text: value }, value })),
      },
    },
    [BLOCK.silenceFor]: {
      [INPUT.silenceFor]: {
        type: 'static_select',
        selected_option:
          fields.duration === null
            ? null
            : { text: { type: 'plain_text', text: 'x' }, value: fields.duration ?? '1h' },
      },
    },
    [BLOCK.silenceReason]: {
      [INPUT.silenceReason]: {
        type: 'plain_text_input',
        value: fields.reason === undefined ? 'PSP maintenance' : fields.reason,
      },
    },
  };
  const res = await postInteraction(
    app.url,
    viewSubmissionPayload({
      callbackId: VIEW.silence,
      privateMetadata,
      values,
      ...(fields.user && { user: fields.user }),
    }),
  );
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

/** Submits the Snooze modal with one of its choices. */
export function submitSnooze(app: SlackTestApp, privateMetadata: string, choice: string, user = 'U0ALICE') {
  const values = {
    [BLOCK.snoozeFor]: {
      [INPUT.snoozeFor]: {
        type: 'static_select',
        selected_option: { text: { type: 'plain_text', text: choice }, value: choice },
      },
    },
  };
  return postInteraction(
    app.url,
    viewSubmissionPayload({ callbackId: VIEW.snooze, privateMetadata, values, user }),
  );
}
