import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody } from '../http/body.js';
import { sendJson } from '../http/reply.js';
import type { SandboxWorkspace } from './workspace.js';

export const SANDBOX_API_PREFIX = '/sandbox/api/';
export const SANDBOX_BOT = { userId: 'U0CARTWATCH', botId: 'B0CARTWATCH', teamId: 'T0SANDBOX' };

type Args = Record<string, unknown>;

/**
 * The Web API methods Cartwatch calls, answered as Slack answers them, so the bot runs unchanged
 * with SLACK_API_URL pointed here.
 */
export function sandboxWebApi(workspace: SandboxWorkspace) {
  const methods: Record<string, (args: Args) => Args> = {
    'auth.test': () => ({
      url: 'http://sandbox/',
      team: 'Sandbox',
      user: 'cartwatch',
      team_id: SANDBOX_BOT.teamId,
      user_id: SANDBOX_BOT.userId,
      bot_id: SANDBOX_BOT.botId,
    }),
    'chat.postMessage': (args) => {
      const channel = String(args.channel ?? '');
      if (!workspace.channels.includes(channel)) return { ok: false, error: 'channel_not_found' };
      const ts = workspace.nextTs();
      workspace.messages.push({
        channel,
        ts,
        text: String(args.text ?? ''),
        ...(args.blocks !== undefined && { blocks: parseJson(args.blocks) as unknown[] }),
        ...(args.thread_ts !== undefined && { threadTs: String(args.thread_ts) }),
      });
      workspace.changed();
      return { channel, ts, message: { ts, text: args.text } };
    },
    'chat.update': (args) => {
      const message = workspace.find(String(args.channel), String(args.ts));
      if (!message) return { ok: false, error: 'message_not_found' };
      message.text = String(args.text ?? '');
      if (args.blocks !== undefined) message.blocks = parseJson(args.blocks) as unknown[];
      message.edited = true;
      workspace.changed();
      return { channel: message.channel, ts: message.ts };
    },
    'chat.postEphemeral': (args) => {
      const ts = workspace.nextTs();
      workspace.ephemerals.push({
        id: `E${ts.replace('.', '')}`,
        channel: String(args.channel),
        user: String(args.user),
        text: String(args.text ?? ''),
        ...(args.blocks !== undefined && { blocks: parseJson(args.blocks) as unknown[] }),
        at: Date.now(),
      });
      workspace.changed();
      return { message_ts: ts };
    },
    'chat.getPermalink': (args) => ({
      channel: args.channel,
      permalink: `/sandbox#${args.channel}/${args.message_ts}`,
    }),
    'views.open': (args) => {
      const id = `V${workspace.nextTs().replace('.', '')}`;
      // The sandbox's trigger ids carry the user they were made for: sandbox.<user>.<time>.
      const user = String(args.trigger_id ?? '').split('.')[1] ?? 'U0SANDBOX';
      const hash = workspace.nextTs();
      workspace.modals.push({ id, user, view: parseJson(args.view) as Record<string, unknown>, hash });
      workspace.changed();
      return { view: { id, hash } };
    },
    'views.update': (args) => {
      const modal = workspace.modals.find((m) => m.id === String(args.view_id));
      if (modal === undefined) return { ok: false, error: 'not_found' };
      // As Slack: an update made from an older copy of the view is refused.
      if (args.hash !== undefined && String(args.hash) !== modal.hash)
        return { ok: false, error: 'hash_conflict' };
      modal.view = parseJson(args.view) as Record<string, unknown>;
      modal.hash = workspace.nextTs();
      workspace.changed();
      return { view: { id: modal.id, hash: modal.hash } };
    },
    'views.publish': (args) => {
      workspace.homes.set(String(args.user_id), parseJson(args.view) as Record<string, unknown>);
      workspace.changed();
      return { view: { id: `VHOME${args.user_id}` } };
    },
    'users.info': (args) => ({
      user: {
        id: args.user,
        name: String(args.user).toLowerCase(),
        real_name: sandboxName(String(args.user)),
      },
    }),
    'conversations.info': (args) => {
      const id = String(args.channel);
      if (!workspace.channels.includes(id)) return { ok: false, error: 'channel_not_found' };
      return { channel: { id, name: workspace.names.channels[id] ?? id.toLowerCase(), is_member: true } };
    },
  };

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = path.slice(SANDBOX_API_PREFIX.length);
    let body: string;
    try {
      body = (await readBody(req, 1024 * 1024)).toString('utf8');
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendJson(res, 200, { ok: false, error: 'msg_too_long' });
      throw error;
    }
    const args = req.headers['content-type']?.includes('json')
      ? (parseJson(body) as Args)
      : Object.fromEntries(new URLSearchParams(body));
    const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (handler === undefined) return sendJson(res, 200, { ok: false, error: 'unknown_method' });
    const reply = handler(args ?? {});
    sendJson(res, 200, { ok: true, ...reply });
  };
}

/** The people the sandbox page lets you act as. */
export const SANDBOX_PEOPLE: Record<string, string> = {
  U0ANNA: 'Anna (payments)',
  U0BEN: 'Ben (fulfillment)',
  U0CARA: 'Cara (ops)',
};

function sandboxName(user: string): string {
  return SANDBOX_PEOPLE[user]?.split(' ')[0] ?? user;
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
