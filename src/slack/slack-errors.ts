import { ErrorCode } from '@slack/web-api';

export type SlackFailure =
  | { type: 'rate_limited'; retryAfterMs: number; reason: string }
  /** `inDoubt`: Slack may have acted on the call before it failed (a timeout, a 5xx, a dropped line). */
  | { type: 'transient'; reason: string; inDoubt: boolean }
  | { type: 'permanent'; reason: string };

/** Platform errors worth another try; every other platform error means the call can never work as is. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

/** Connection errors raised before a request could leave this machine. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Sorts a Web API client error into what the outbox should do about it. */
export function classifySlackError(error: unknown): SlackFailure {
  const e = error as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    message?: string;
    original?: { code?: string; cause?: { code?: string } };
  };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return { type: 'rate_limited', retryAfterMs: (e.retryAfter ?? 1) * 1000, reason: 'rate limited (429)' };
    case ErrorCode.HTTPError:
      return { type: 'transient', reason: `HTTP ${e.statusCode ?? '?'}`, inDoubt: true };
    case ErrorCode.RequestError:
      return {
        type: 'transient',
        reason: `request failed: ${e.message ?? 'network error'}`,
        // A refused connection never carried the request; a timeout or a reset may have.
        inDoubt: !NEVER_SENT.has(e.original?.code ?? e.original?.cause?.code ?? ''),
      };
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      return TRANSIENT_PLATFORM_ERRORS.has(code)
        ? { type: 'transient', reason: code, inDoubt: code !== 'ratelimited' }
        : { type: 'permanent', reason: code };
    }
    default:
      return { type: 'transient', reason: e.message ?? String(error), inDoubt: true };
  }
}
