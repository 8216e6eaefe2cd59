import { createHmac } from 'node:crypto';
import type { SandboxWorkspace } from './workspace.js';

export type SandboxAction =
  | {
      type: 'click';
      user: string;
      channel?: string;
      ts?: string;
      blockId?: string;
      actionId: string;
      value: string;
      overflow?: boolean;
      /** Clicked on this ephemeral reply: the click carries its response_url, as Slack's do. */
      ephemeral?: string;
    }
  | {
      /** A change inside a modal whose element dispatches actions (e.g. the Silence modal's checkboxes). */
      type: 'view_action';
      user: string;
      viewId: string;
      blockId: string;
      actionId: string;
      selected: string[];
      values: Record<string, Record<string, unknown>>;
    }
  | { type: 'command'; user: string; channel: string; text: string }
  | { type: 'submit'; user: string; viewId: string; values: Record<string, Record<string, unknown>> }
  | { type: 'home'; user: string }
  | { type: 'close'; user: string; viewId: string };

/**
 * Plays the person at the sandbox page: turns what they do into the requests Slack would send
 * (slash commands, block_actions, view_submission, app_home_opened), signed exactly as Slack signs.
 */
export class SandboxActor {
  constructor(
    private readonly deps: { workspace: SandboxWorkspace; baseUrl: () => string; signingSecret: string },
  ) {}

  async act(action: SandboxAction): Promise<{ status: number; errors?: Record<string, string> }> {
    switch (action.type) {
      case 'click':
        return this.post('form', { payload: JSON.stringify(this.blockActions(action)) });
      case 'view_action':
        return this.viewAction(action);
      case 'command':
        return this.command(action);
      case 'submit':
        return this.submit(action);
      case 'close': {
        // Cancel or Esc in the page: the modal is gone, as in Slack (no view_closed is asked for).
        const { modals } = this.deps.workspace;
        const index = modals.findIndex((m) => m.id === action.viewId && m.user === action.user);
        if (index >= 0) modals.splice(index, 1);
        this.deps.workspace.changed();
        return { status: 200 };
      }
      case 'home':
        return this.post('json', {
          type: 'event_callback',
          team_id: 'T0SANDBOX',
          api_app_id: 'A0SANDBOX',
          event: {
            type: 'app_home_opened',
            user: action.user,
            channel: `D${action.user}`,
            tab: 'home',
            event_ts: `${Date.now() / 1000}`,
          },
          event_id: `Ev${Date.now()}`,
          event_time: Math.floor(Date.now() / 1000),
        });
    }
  }

  private blockActions(action: Extract<SandboxAction, { type: 'click' }>) {
    const element = action.overflow
      ? {
          type: 'overflow',
          action_id: action.actionId,
          selected_option: { text: { type: 'plain_text', text: '' }, value: action.value },
        }
      : {
          type: 'button',
          action_id: action.actionId,
          value: action.value,
          text: { type: 'plain_text', text: '' },
        };
    const inMessage = action.channel !== undefined && action.ts !== undefined;
    const ephemeral = action.ephemeral !== undefined;
    return {
      type: 'block_actions',
      user: { id: action.user, username: action.user.toLowerCase(), team_id: 'T0SANDBOX' },
      api_app_id: 'A0SANDBOX',
      team: { id: 'T0SANDBOX', domain: 'sandbox' },
      trigger_id: this.triggerId(action.user),
      container: inMessage
        ? { type: 'message', channel_id: action.channel, message_ts: action.ts, is_ephemeral: ephemeral }
        : { type: 'view' },
      ...(inMessage && { channel: { id: action.channel, name: this.channelName(action.channel) } }),
      ...(inMessage && { message: { ts: action.ts } }),
      ...(ephemeral && { response_url: this.responseUrl(action.ephemeral as string) }),
      actions: [{ ...element, block_id: action.blockId ?? 'sandbox', action_ts: `${Date.now() / 1000}` }],
    };
  }

  private async viewAction(action: Extract<SandboxAction, { type: 'view_action' }>) {
    const modal = this.deps.workspace.modals.find((m) => m.id === action.viewId && m.user === action.user);
    if (modal === undefined) return { status: 404 };
    const option = (value: string) => ({ text: { type: 'plain_text', text: value }, value });
    return this.post('form', {
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: action.user, username: action.user.toLowerCase(), team_id: 'T0SANDBOX' },
        api_app_id: 'A0SANDBOX',
        team: { id: 'T0SANDBOX', domain: 'sandbox' },
        trigger_id: this.triggerId(action.user),
        container: { type: 'view', view_id: modal.id },
        view: { ...modal.view, id: modal.id, hash: modal.hash, state: { values: action.values } },
        actions: [
          {
            type: 'checkboxes',
            action_id: action.actionId,
            block_id: action.blockId,
            selected_options: action.selected.map(option),
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      }),
    });
  }

  private triggerId(user: string): string {
    return `sandbox.${user}.${Date.now()}`;
  }

  private channelName(channel: string | undefined): string {
    return channel === undefined
      ? ''
      : (this.deps.workspace.names.channels[channel] ?? channel.toLowerCase());
  }

  /** A reply's response_url: what the bot posts there replaces or follows that reply (routes.ts). */
  private responseUrl(ephemeralId: string): string {
    return `${this.deps.baseUrl()}/sandbox/respond/${ephemeralId}`;
  }

  private async command(action: Extract<SandboxAction, { type: 'command' }>) {
    const id = `E${this.deps.workspace.nextTs().replace('.', '')}`;
    const reply = await this.post('form', {
      command: '/cart-status',
      text: action.text,
      user_id: action.user,
      user_name: action.user.toLowerCase(),
      channel_id: action.channel,
      channel_name: this.channelName(action.channel),
      team_id: 'T0SANDBOX',
      api_app_id: 'A0SANDBOX',
      response_url: this.responseUrl(id),
      trigger_id: this.triggerId(action.user),
    });
    // The command's answer is the ack body: shown to the caller only, as Slack does.
    if (reply.body && typeof reply.body === 'object') {
      const { text, blocks } = reply.body as { text?: string; blocks?: unknown[] };
      this.deps.workspace.ephemerals.push({
        id,
        channel: action.channel,
        user: action.user,
        text: text ?? '',
        ...(blocks && { blocks }),
        at: Date.now(),
      });
      this.deps.workspace.changed();
    }
    return { status: reply.status };
  }

  private async submit(action: Extract<SandboxAction, { type: 'submit' }>) {
    const { workspace } = this.deps;
    const modal = workspace.modals.find((m) => m.id === action.viewId);
    if (modal === undefined) return { status: 404 };
    const reply = await this.post('form', {
      payload: JSON.stringify({
        type: 'view_submission',
        team: { id: 'T0SANDBOX', domain: 'sandbox' },
        user: { id: action.user, username: action.user.toLowerCase(), team_id: 'T0SANDBOX' },
        api_app_id: 'A0SANDBOX',
        trigger_id: this.triggerId(action.user),
        view: { ...modal.view, id: modal.id, hash: modal.hash, state: { values: action.values } },
      }),
    });
    const body = reply.body as { response_action?: string; errors?: Record<string, string> } | undefined;
    if (body?.response_action === 'errors')
      return { status: reply.status, ...(body.errors && { errors: body.errors }) };
    workspace.modals.splice(workspace.modals.indexOf(modal), 1);
    workspace.changed();
    return { status: reply.status };
  }

  private async post(format: 'form' | 'json', fields: Record<string, unknown>) {
    const body =
      format === 'json'
        ? JSON.stringify(fields)
        : new URLSearchParams(
            Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]),
          ).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', this.deps.signingSecret)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex');
    const res = await fetch(`${this.deps.baseUrl()}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': format === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': `v0=${signature}`,
      },
      body,
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  }
}
