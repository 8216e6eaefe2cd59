import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPostgresUrl, redactUrl } from '../store/database-target.js';
import type { Store, StoreHealth } from '../store/store.js';
import { sendError, sendJson } from './reply.js';

export interface SlackStatus {
  /** `sandbox`: talking to the local Slack stand-in, not a workspace. */
  state: 'connected' | 'sandbox' | 'not configured' | 'degraded';
  detail?: string;
}

/** Which database this instance runs on, as /healthz shows it: never a password. */
export interface DatabaseShown {
  kind: 'sqlite' | 'postgres';
  /** Postgres: the URL with its password masked. */
  url?: string;
}

/** How /healthz shows CARTWATCH_DB: a Postgres URL with its password masked; a file's path not at all. */
export function databaseShown(target: string): DatabaseShown {
  return isPostgresUrl(target) ? { kind: 'postgres', url: redactUrl(target) } : { kind: 'sqlite' };
}

/**
 * GET /healthz: 200 while the database answers, 503 while it does not (a load balancer then sends
 * requests to another instance); it names the instance. The Slack side is reported, not required.
 */
export function healthRoute(deps: {
  store: Store;
  slack: () => SlackStatus;
  instance: string;
  database: DatabaseShown;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, 'use GET', {}, { allow: 'GET' });
    const health = await answerOf(deps.store);
    const outbox = health.ok ? await deps.store.outboxHealth().catch(() => undefined) : undefined;
    sendJson(res, health.ok ? 200 : 503, {
      status: health.ok ? 'ok' : 'failing',
      instance: deps.instance,
      db: { ...deps.database, ...health },
      slack: deps.slack(),
      outbox,
    });
  };
}

/** A database that cannot be reached rejects rather than answering: that is a failing health too. */
async function answerOf(store: Store): Promise<StoreHealth> {
  try {
    return await store.health();
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
