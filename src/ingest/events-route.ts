import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@slack/logger';
import { isStoreRefusal } from '../errors.js';
import { BodyTooLargeError, readBody } from '../http/body.js';
import type { Metrics } from '../http/metrics.js';
import { sendError, sendJson, sendRetryLater } from '../http/reply.js';
import type { IngestService } from '../services/ingest.js';
import { bearerMatches, credentialsOf, signatureMatches } from './auth.js';
import { validateEvents } from './event-schema.js';
import { bodyFormatOf, parseEventBody } from './parse-body.js';

export interface EventsRouteDeps {
  ingest: IngestService;
  /** Undefined: ingest is off and refuses every request. */
  secret: string | undefined;
  maxBodyBytes: number;
  logger: Logger;
  metrics?: Pick<Metrics, 'rejected' | 'duplicates' | 'ingestSeconds'>;
}

/** POST /events (SPEC "Events in"): auth, limits and parsing here; recording in the ingest service. */
export function eventsRoute(deps: EventsRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    res.once('finish', () => {
      deps.metrics?.ingestSeconds.observe((performance.now() - started) / 1000);
      if (res.statusCode >= 400) deps.metrics?.rejected.inc({ status: String(res.statusCode) });
    });
    if (req.method !== 'POST') return sendError(res, 405, 'use POST to send events', {}, { allow: 'POST' });
    if (deps.secret === undefined) {
      return sendError(res, 401, 'ingest is off: set CARTWATCH_INGEST_SECRET and send it as a Bearer token');
    }
    const credentials = credentialsOf(req.headers);
    if (credentials.kind === 'none') {
      return sendError(
        res,
        401,
        'send Authorization: Bearer <secret> or X-Cartwatch-Signature: sha256=<hmac>',
      );
    }
    if (credentials.kind === 'bearer' && !bearerMatches(credentials.token, deps.secret)) {
      return sendError(res, 401, 'the bearer token does not match CARTWATCH_INGEST_SECRET');
    }
    const format = bodyFormatOf(req.headers['content-type']);
    if (format === undefined) {
      return sendError(res, 415, 'send Content-Type: application/json or application/x-ndjson');
    }
    let body: Buffer;
    try {
      body = await readBody(req, deps.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return sendError(res, 413, error.message, {}, { connection: 'close' });
      }
      throw error;
    }
    if (credentials.kind === 'signature' && !signatureMatches(credentials.hex, body, deps.secret)) {
      return sendError(res, 401, 'X-Cartwatch-Signature does not match the body');
    }
    await recordBody(deps, body, format, res);
  };
}

async function recordBody(
  deps: EventsRouteDeps,
  body: Buffer,
  format: 'json' | 'ndjson',
  res: ServerResponse,
): Promise<void> {
  const parsed = parseEventBody(body, format);
  if (!parsed.ok) return sendError(res, 400, parsed.error, { issues: parsed.issues });
  const validation = validateEvents(parsed.items);
  if (!validation.ok) {
    const count = new Set(validation.issues.map((issue) => issue.index)).size;
    return sendError(res, 400, `${count} of ${parsed.items.length} events are invalid; nothing was stored`, {
      issues: validation.issues,
    });
  }
  try {
    const outcome = await deps.ingest.record(validation.events);
    deps.metrics?.duplicates.inc(outcome.duplicates);
    sendJson(res, 202, outcome);
  } catch (error) {
    // Nothing stored, or unknown whether it was: either way the producer's retry is safe.
    if (!isStoreRefusal(error)) throw error;
    deps.logger.error(`ingest refused: ${error.message}`);
    sendRetryLater(res, error.message);
  }
}
