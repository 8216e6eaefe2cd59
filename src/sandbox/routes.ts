import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BodyTooLargeError, readBody } from '../http/body.js';
import { sendError, sendJson } from '../http/reply.js';
import type { SandboxActor } from './actor.js';
import { SANDBOX_PAGE } from './page.js';
import { SANDBOX_BOT, SANDBOX_PEOPLE } from './web-api.js';
import type { SandboxWorkspace } from './workspace.js';

const user = z.string().regex(/^U[A-Z0-9]+$/);
const action = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('click'),
    user,
    channel: z.string().max(30).optional(),
    ts: z.string().max(30).optional(),
    blockId: z.string().max(255).optional(),
    actionId: z.string().max(255),
    value: z.string().max(2000),
    overflow: z.boolean().optional(),
    ephemeral: z.string().max(40).optional(),
  }),
  z.object({
    type: z.literal('view_action'),
    user,
    viewId: z.string().max(40),
    blockId: z.string().max(255),
    actionId: z.string().max(255),
    selected: z.array(z.string().max(2000)).max(100),
    values: z.record(z.string(), z.record(z.string(), z.unknown())),
  }),
  z.object({ type: z.literal('command'), user, channel: z.string().max(30), text: z.string().max(5000) }),
  z.object({
    type: z.literal('submit'),
    user,
    viewId: z.string().max(40),
    values: z.record(z.string(), z.record(z.string(), z.unknown())),
  }),
  z.object({ type: z.literal('home'), user }),
  z.object({ type: z.literal('close'), user, viewId: z.string().max(40) }),
]);

/** The sandbox page, its state (polled) and the actions a person takes there. */
export function sandboxRoutes(deps: { workspace: SandboxWorkspace; actor: SandboxActor }) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === '/sandbox' || path === '/sandbox/') {
      const html = SANDBOX_PAGE;
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
      });
      res.end(html);
      return;
    }
    if (path === '/sandbox/state' && req.method === 'GET') {
      const w = deps.workspace;
      return sendJson(res, 200, {
        revision: w.revision,
        channels: w.channels,
        names: w.names,
        people: SANDBOX_PEOPLE,
        bot: SANDBOX_BOT.userId,
        messages: w.messages,
        ephemerals: w.ephemerals,
        modals: w.modals,
        homes: Object.fromEntries(w.homes),
      });
    }
    if (path === '/sandbox/act' && req.method === 'POST') {
      const body = await readJson(req, res, 64 * 1024);
      if (body === undefined) return;
      const parsed = action.safeParse(body);
      if (!parsed.success) return sendError(res, 400, 'not an action the sandbox knows');
      return sendJson(res, 200, await deps.actor.act(parsed.data));
    }
    if (path.startsWith(RESPOND_PREFIX) && req.method === 'POST') {
      const body = await readJson(req, res, 1024 * 1024);
      if (body === undefined) return;
      const parsed = response.safeParse(body);
      if (!parsed.success) return sendError(res, 400, 'not a response Slack would take');
      const found = respondTo(deps.workspace, path.slice(RESPOND_PREFIX.length), parsed.data);
      return found ? sendJson(res, 200, { ok: true }) : sendError(res, 404, 'no such reply');
    }
    return sendError(res, 404, `nothing here: ${req.method} ${path}`);
  };
}

const RESPOND_PREFIX = '/sandbox/respond/';

const response = z.object({
  text: z.string().max(40_000).optional(),
  blocks: z.array(z.unknown()).max(100).optional(),
  replace_original: z.union([z.boolean(), z.string()]).optional(),
  delete_original: z.union([z.boolean(), z.string()]).optional(),
  response_type: z.string().optional(),
});

/**
 * What the bot posts to a reply's response_url, done as Slack does it: the reply replaced or
 * deleted, or a new reply to the same person in the same place.
 */
function respondTo(workspace: SandboxWorkspace, id: string, body: z.infer<typeof response>): boolean {
  const index = workspace.ephemerals.findIndex((e) => e.id === id);
  const original = workspace.ephemerals[index];
  if (original === undefined) return false;
  const yes = (flag: boolean | string | undefined) => flag === true || flag === 'true';
  if (yes(body.delete_original)) workspace.ephemerals.splice(index, 1);
  else if (yes(body.replace_original)) {
    original.text = body.text ?? '';
    if (body.blocks) original.blocks = body.blocks;
    else delete original.blocks;
  } else {
    workspace.ephemerals.push({
      id: `E${workspace.nextTs().replace('.', '')}`,
      channel: original.channel,
      user: original.user,
      text: body.text ?? '',
      ...(body.blocks && { blocks: body.blocks }),
      at: Date.now(),
    });
  }
  workspace.changed();
  return true;
}

/** JSON only: a cross-site form post from another page cannot act as anyone here. */
async function readJson(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<unknown> {
  if (!req.headers['content-type']?.startsWith('application/json')) {
    sendError(res, 415, 'send Content-Type: application/json');
    return undefined;
  }
  let body: Buffer;
  try {
    body = await readBody(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendError(res, 413, error.message);
      return undefined;
    }
    throw error;
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    sendError(res, 400, 'the body is not JSON');
    return undefined;
  }
}
