import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

const WINDOW_MS = 5 * 60_000;
const MAX_REMEMBERED = 100_000;

/**
 * Refuses a Slack request whose signature was already seen in the last five minutes. Bolt checks
 * the signature and the timestamp's age; a captured request replayed within that window would
 * still pass, so each signature is good once.
 */
export function refuseReplays(next: RequestListener, now: () => number = Date.now): RequestListener {
  const seen = new Map<string, number>();
  let lastSweep = now();
  return (req: IncomingMessage, res: ServerResponse) => {
    const signature = req.headers['x-slack-signature'];
    if (typeof signature === 'string') {
      const at = now();
      if (at - lastSweep > WINDOW_MS) {
        for (const [key, expiry] of seen) if (expiry <= at) seen.delete(key);
        lastSweep = at;
      }
      const expiry = seen.get(signature);
      if (expiry !== undefined && expiry > at) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"error":"this request was already received"}');
        return;
      }
      // Bounded: a flood of made-up signatures costs at most this much memory.
      if (seen.size >= MAX_REMEMBERED) seen.delete(seen.keys().next().value as string);
      seen.set(signature, at + WINDOW_MS);
    }
    next(req, res);
  };
}
