import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@slack/logger';
import { sendError } from './reply.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> | void;

export interface Routes {
  /** Exact paths first, then the longest matching prefix (a prefix ends with '/'). */
  exact: Record<string, Handler>;
  prefix?: Record<string, Handler>;
}

export interface HttpTimeouts {
  /** The whole request head must arrive within this. */
  headersMs: number;
  /** The whole request, body included, must arrive within this. */
  requestMs: number;
}

const DEFAULT_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 30_000 };

/** The one port: ingest, the cart API, health and (mounted by the caller) Slack's requests. */
export function createHttpServer(routes: Routes, logger: Logger, timeouts = DEFAULT_TIMEOUTS): Server {
  const prefixes = Object.entries(routes.prefix ?? {}).sort(([a], [b]) => b.length - a.length);
  // Node looks for overdue requests only this often (30 s by default, doubling the allowance).
  const checkEveryMs = Math.min(1000, timeouts.headersMs);
  const server = createServer({ connectionsCheckingInterval: checkEveryMs }, (req, res) => {
    const path = pathOf(req.url);
    const handler = routes.exact[path] ?? prefixes.find(([prefix]) => path.startsWith(prefix))?.[1];
    if (handler === undefined) return sendError(res, 404, `nothing here: ${req.method} ${path}`);
    Promise.resolve()
      .then(() => handler(req, res, path))
      .catch((error: unknown) => {
        logger.error(`${req.method} ${path} failed:`, error);
        if (!res.headersSent) sendError(res, 500, 'internal error; see the Cartwatch log');
        else res.destroy();
      });
  });
  // A client that trickles its headers or body must not hold a connection forever.
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = 5_000;
  return server;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}
