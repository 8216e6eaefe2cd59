import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret';

/** Headers exactly as Slack signs a request: v0=HMAC-SHA256(secret, "v0:{ts}:{raw body}"). */
export function slackSignature(body: string, options: { secret?: string; timestamp?: number } = {}) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', options.secret ?? SIGNING_SECRET)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${signature}` };
}

export interface ButtonClick {
  actionId: string;
  value: string;
  /** Send it as an overflow menu choice rather than a button press. */
  overflow?: boolean;
  user?: string;
  channel?: string;
  messageTs?: string;
  /** The clicked element's block (Slack sends the block_id the renderer gave it). */
  blockId?: string;
  /** Clicked on an ephemeral reply (e.g. `/cart-status mine`), whose response_url this is. */
  ephemeral?: { responseUrl: string };
}

/** A block_actions payload in the shape Slack documents for a button in a channel message. */
export function buttonPayload(click: ButtonClick): Record<string, unknown> {
  const user = click.user ?? 'U0ALICE';
  const channel = click.channel ?? 'C0PAYMENTS';
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0FAKE' },
    api_app_id: 'A0CARTWATCH',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: click.messageTs ?? '1700000000.000100',
      channel_id: channel,
      is_ephemeral: click.ephemeral !== undefined,
    },
    trigger_id: '1111.2222.abcd',
    team: { id: 'T0FAKE', domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: channel.toLowerCase() },
    message: { type: 'message', ts: click.messageTs ?? '1700000000.000100', text: '' },
    response_url: click.ephemeral?.responseUrl ?? 'https://hooks.slack.invalid/actions/T0FAKE/1/abc',
    actions: [
      click.overflow
        ? {
            type: 'overflow',
            action_id: click.actionId,
            block_id: click.blockId ?? 'exception.actions',
            selected_option: {
              text: { type: 'plain_text', text: 'option', emoji: true },
              value: click.value,
            },
            action_ts: String(Date.now() / 1000),
          }
        : {
            type: 'button',
            action_id: click.actionId,
            block_id: click.blockId ?? 'exception.actions',
            text: { type: 'plain_text', text: 'button', emoji: true },
            value: click.value,
            action_ts: String(Date.now() / 1000),
          },
    ],
  };
}

/** POSTs an interaction to /slack/events, form-encoded as `payload=<json>`, signed unless told otherwise. */
export async function postInteraction(
  baseUrl: string,
  payload: Record<string, unknown>,
  options: { sign?: boolean; secret?: string; timestamp?: number } = {},
): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (options.sign !== false) Object.assign(headers, slackSignature(body, options));
  return fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body });
}

export interface ModalSubmission {
  callbackId: string;
  privateMetadata: string;
  /** block_id → action_id → the element's state, as Slack sends it. */
  values: Record<string, Record<string, Record<string, unknown>>>;
  user?: string;
}

/** A view_submission payload in the shape Slack documents. */
export function viewSubmissionPayload(submission: ModalSubmission): Record<string, unknown> {
  const user = submission.user ?? 'U0ALICE';
  return {
    type: 'view_submission',
    team: { id: 'T0FAKE', domain: 'fake' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0FAKE' },
    api_app_id: 'A0CARTWATCH',
    token: 'legacy-verification-token',
    trigger_id: '3333.4444.efgh',
    view: {
      id: 'V0MODAL',
      team_id: 'T0FAKE',
      type: 'modal',
      blocks: [],
      private_metadata: submission.privateMetadata,
      callback_id: submission.callbackId,
      state: { values: submission.values },
      hash: '1700000000.abcdef',
      title: { type: 'plain_text', text: 'Reassign exception' },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      previous_view_id: null,
      root_view_id: 'V0MODAL',
      app_id: 'A0CARTWATCH',
      external_id: '',
      app_installed_team_id: 'T0FAKE',
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A slash command's fields as Slack sends them (form-encoded over HTTP, an object in Socket Mode). */
export function commandPayload(
  text: string,
  options: { user?: string; command?: string } = {},
): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0FAKE',
    team_domain: 'fake',
    channel_id: 'C0OPS',
    channel_name: 'ops',
    user_id: options.user ?? 'U0ALICE',
    user_name: 'alice',
    command: options.command ?? '/cart-status',
    text,
    api_app_id: 'A0CARTWATCH',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.invalid/commands/T0FAKE/1/abc',
    trigger_id: '5555.6666.ijkl',
  };
}

/** A slash command, form-encoded and signed as Slack sends it; resolves to the HTTP reply. */
export async function postCommand(
  baseUrl: string,
  text: string,
  options: { user?: string; command?: string; sign?: boolean; timestamp?: number } = {},
): Promise<Response> {
  const body = new URLSearchParams(commandPayload(text, options)).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (options.sign !== false) Object.assign(headers, slackSignature(body, options));
  return fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body });
}

let events = 0;

/** An Events API body (`event_callback`) as Slack sends it over HTTP or in a Socket Mode envelope. */
export function eventCallback(event: Record<string, unknown>): Record<string, unknown> {
  events += 1;
  return {
    token: 'legacy-verification-token',
    team_id: 'T0FAKE',
    api_app_id: 'A0CARTWATCH',
    event: { event_ts: String(Date.now() / 1000), ...event },
    type: 'event_callback',
    event_id: `Ev${Date.now()}${events}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0FAKE', user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  };
}

/** An Events API delivery (JSON, signed), e.g. app_home_opened. */
export async function postSlackEvent(baseUrl: string, event: Record<string, unknown>): Promise<Response> {
  return postEventCallback(baseUrl, eventCallback(event));
}

/**
 * An Events API body delivered as Slack does; `retryNum` marks it as Slack's retry of an earlier
 * delivery (X-Slack-Retry-Num, X-Slack-Retry-Reason), signed anew at `timestamp` as a retry is.
 */
export async function postEventCallback(
  baseUrl: string,
  callback: Record<string, unknown>,
  options: { retryNum?: number; timestamp?: number } = {},
): Promise<Response> {
  const body = JSON.stringify(callback);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...slackSignature(body, options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body });
}
