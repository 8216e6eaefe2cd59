import { StoreUnavailableError } from '../../errors.js';

/** postgres.js's own codes for a connection that went away or never came. */
const CLIENT_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
/** The socket's: refused, reset, gone, timed out, or the Unix socket missing (server down). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOENT', 'EHOSTUNREACH']);
/** Server-side: terminated by an administrator or a crash, starting up or shutting down. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);

/**
 * Whether the error means the connection was lost or could not be made: what was under way may or
 * may not have committed, and no one statement was at fault.
 */
export function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return CLIENT_CODES.has(code) || SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08');
}

/** A lost connection becomes the error ingest answers 503 for; anything else is left as it is. */
export function unavailableIfLost(error: unknown): unknown {
  return isConnectionLost(error) ? new StoreUnavailableError(error) : error;
}
