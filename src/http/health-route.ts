import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/store.js';
import { sendError, sendJson } from './reply.js';

export interface SlackStatus {
  /** `sandbox`: talking to the local Slack stand-in, not a workspace. */
  state: 'connected' | 'sandbox' | 'not configured' | 'degraded';
  detail?: string;
}

/** GET /healthz: 200 while the database answers; the Slack side is reported, not required. */
export function healthRoute(deps: { store: Store; slack: () => SlackStatus }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, 'use GET', {}, { allow: 'GET' });
    const db = await deps.store.health();
    const outbox = db.ok ? await deps.store.outboxHealth() : undefined;
    sendJson(res, db.ok ? 200 : 503, { status: db.ok ? 'ok' : 'failing', db, slack: deps.slack(), outbox });
  };
}
