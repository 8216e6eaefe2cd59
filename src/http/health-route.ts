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

const HEALTH_TIMEOUT_MS = 3_000;

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
  /** How long the database may take to answer before the check fails (default 3 s). */
  timeoutMs?: number;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, 'use GET', {}, { allow: 'GET' });
    const health = await answerOf(deps.store, deps.timeoutMs ?? HEALTH_TIMEOUT_MS);
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

/**
 * A database that cannot be reached rejects, or does not answer at all while a connection attempt
 * waits out its timeout: both are a failing health, told before a load balancer's check gives up.
 */
async function answerOf(store: Store, timeoutMs: number): Promise<StoreHealth> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([store.health(), late]);
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
