import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BodyTooLargeError, readBody } from '../http/body.js';
import { sendError, sendJson } from '../http/reply.js';
import type { SandboxActor } from './actor.js';
import { SANDBOX_PAGE } from './page.js';
import { SANDBOX_PEOPLE } from './web-api.js';
import type { SandboxWorkspace } from './workspace.js';

const user = z.string().regex(/^U[A-Z0-9]+$/);
const action = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('click'),
    user,
    channel: z.string().max(30).optional(),
    ts: z.string().max(30).optional(),
    actionId: z.string().max(255),
    value: z.string().max(2000),
    overflow: z.boolean().optional(),
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
        people: SANDBOX_PEOPLE,
        messages: w.messages,
        ephemerals: w.ephemerals,
        modals: w.modals,
        homes: Object.fromEntries(w.homes),
      });
    }
    if (path === '/sandbox/act' && req.method === 'POST') {
      // JSON only: a cross-site form post from another page cannot act as anyone here.
      if (!req.headers['content-type']?.startsWith('application/json')) {
        return sendError(res, 415, 'send Content-Type: application/json');
      }
      let body: Buffer;
      try {
        body = await readBody(req, 64 * 1024);
      } catch (error) {
        if (error instanceof BodyTooLargeError) return sendError(res, 413, error.message);
        throw error;
      }
      let parsed: ReturnType<typeof action.safeParse>;
      try {
        parsed = action.safeParse(JSON.parse(body.toString('utf8')));
      } catch {
        return sendError(res, 400, 'the body is not JSON');
      }
      if (!parsed.success) return sendError(res, 400, 'not an action the sandbox knows');
      return sendJson(res, 200, await deps.actor.act(parsed.data));
    }
    return sendError(res, 404, `nothing here: ${req.method} ${path}`);
  };
}
