import { createHash } from 'node:crypto';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { ReplayGuard } from './replay-guard.js';

/** Slack retries an Events API delivery three times within about an hour. */
const REMEMBER_MS = 60 * 60_000;

/**
 * Bolt middleware: a delivery Slack marks as a retry (X-Slack-Retry-Num over HTTP, `retry_attempt`
 * in a Socket Mode envelope) of one already handled is acknowledged and goes no further. Slack
 * retries when an acknowledgement did not reach it in time, e.g. when a Socket Mode connection
 * was recycled meanwhile; the work was done, and doing it again would post or change things twice.
 * A first delivery always runs, even if it looks like an earlier one: only Slack's own retry mark
 * makes a delivery a repeat.
 */
export function ignoreRedeliveries(now: () => number = Date.now): Middleware<AnyMiddlewareArgs> {
  const handled = new ReplayGuard(now, REMEMBER_MS);
  return async (args) => {
    const first = handled.firstTime(deliveryKey(args.body));
    if (first || (args.context.retryNum ?? 0) === 0) {
      await args.next();
      return;
    }
    args.logger.debug(`ignored a repeated Slack delivery (retry ${args.context.retryNum})`);
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}

/** Events carry Slack's event_id; other payloads are the same bytes when re-delivered. */
function deliveryKey(body: unknown): string {
  const eventId = (body as { event_id?: unknown }).event_id;
  if (typeof eventId === 'string') return `event:${eventId}`;
  return `body:${createHash('sha256').update(JSON.stringify(body)).digest('base64url')}`;
}
