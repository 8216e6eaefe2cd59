import type { ServerResponse } from 'node:http';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  extra: object = {},
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error, ...extra }, headers);
}

/** How long a sender refused for the store's sake should wait before it tries again. */
const RETRY_AFTER_SECONDS = '30';

/** 503 with Retry-After: the request was refused for now, not for what it held; retrying is safe. */
export function sendRetryLater(res: ServerResponse, error: string): void {
  sendError(res, 503, error, {}, { 'retry-after': RETRY_AFTER_SECONDS });
}
