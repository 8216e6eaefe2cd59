import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isValidSlackRequest } from '@slack/bolt';
import { BodyTooLargeError, readBody } from '../http/body.js';
import { sendError } from '../http/reply.js';
import { ReplayGuard } from './replay-guard.js';
import { shapeProblem } from './request-shape.js';

/** Bolt's own limit: the largest body Slack sends (a big modal submission) fits well inside it. */
const MAX_SLACK_BODY_BYTES = 4 * 1024 * 1024;

const NOT_SIGNED = 'not signed by Slack: X-Slack-Signature and X-Slack-Request-Timestamp are required';
const BAD_SIGNATURE = 'the Slack signature does not match, or the request is older than five minutes';

/**
 * What stands in front of Bolt on /slack/events, in order: signature and age (401), replay (401),
 * then the envelope's shape (400). Nobody unsigned learns anything about what Cartwatch accepts,
 * and only verified signatures are remembered, so made-up ones cannot crowd out real ones. The
 * body is read once and handed to Bolt buffered (Bolt reads `rawBody` when it is there).
 */
export function guardSlackRequests(
  next: RequestListener,
  options: { signingSecret: string; now?: () => number },
): RequestListener {
  const now = options.now ?? Date.now;
  const replays = new ReplayGuard(now);
  return (req: IncomingMessage, res: ServerResponse) => {
    const signature = header(req, 'x-slack-signature');
    const timestamp = header(req, 'x-slack-request-timestamp');
    // Refused before the body is read: an unsigned sender gets nothing for its upload.
    if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp))
      return sendError(res, 401, NOT_SIGNED);
    readBody(req, MAX_SLACK_BODY_BYTES).then(
      (raw) => {
        const verified = isValidSlackRequest({
          signingSecret: options.signingSecret,
          body: raw.toString('utf8'),
          headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
          nowMilliseconds: now(),
        });
        if (!verified) return sendError(res, 401, BAD_SIGNATURE);
        if (!replays.firstTime(signature)) return sendError(res, 401, 'this request was already received');
        const problem = shapeProblem(raw.toString('utf8'), req.headers['content-type'] ?? '');
        if (problem !== undefined) return sendError(res, 400, problem);
        Object.assign(req, { rawBody: raw });
        next(req, res);
      },
      (error: unknown) => {
        if (error instanceof BodyTooLargeError) return sendError(res, 413, error.message);
        res.destroy();
      },
    );
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
