import { SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { logFields } from '../logger.js';
import { classifySlackError } from './slack-errors.js';

export interface SocketModeStatus {
  state: 'connecting' | 'connected' | 'disconnected';
  /** Why it is not connected, when known (e.g. Slack's error for the app token). */
  detail?: string;
}

export interface SocketModeOptions {
  appToken: string;
  /** Where apps.connections.open is called (SLACK_API_URL, ends with '/'). */
  slackApiUrl?: string;
  logger: Logger;
  timeoutMs: number;
  /** Waits between failed attempts; the last repeats. A dropped connection is retried at once. */
  retryDelaysMs?: readonly number[];
}

const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000];

/** Errors of apps.connections.open that only a new SLACK_APP_TOKEN fixes. */
const TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'not_allowed_token_type',
  'account_inactive',
  'token_revoked',
  'team_disabled',
]);

/**
 * Socket Mode: Bolt's receiver, with reconnection kept here rather than in @slack/socket-mode.
 * Its own loop retries apps.connections.open through the Web API client's queue and lets a
 * failed reconnect reject where nobody listens, which ends the process; here every attempt is
 * ours, failures are logged with their fix, and stop() ends the loop. Slack asks clients to
 * reconnect as soon as a connection closes (it recycles them every few hours), so a dropped
 * connection is retried at once and only failed attempts back off.
 */
export class SocketModeConnection {
  readonly receiver: SocketModeReceiver;
  private status: SocketModeStatus = { state: 'disconnected', detail: 'not started' };
  private stopping = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryDelaysMs: readonly number[];

  constructor(private readonly options: SocketModeOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.receiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger: options.logger,
      logLevel: options.logger.getLevel(),
      autoReconnectEnabled: false,
      installerOptions: {
        clientOptions: {
          ...(options.slackApiUrl !== undefined && { slackApiUrl: options.slackApiUrl }),
          // One try per attempt: the retry loop is ours (see above).
          retryConfig: { retries: 0 },
          timeout: options.timeoutMs,
        },
      },
    });
    const client = this.receiver.client;
    client.on('connected', () => {
      if (this.stopping) {
        void client.disconnect();
        return;
      }
      this.failures = 0;
      this.status = { state: 'connected' };
      options.logger.info('Slack connected over Socket Mode', logFields({ slack_mode: 'socket' }));
    });
    // A live connection that closes is reconnected here; one that fails while connecting makes
    // start() reject, and connect() handles that.
    client.on('disconnected', () => {
      if (this.stopping || this.status.state !== 'connected') return;
      this.status = { state: 'disconnected', detail: 'the connection closed' };
      options.logger.info('Socket Mode connection closed; reconnecting', logFields({ slack_mode: 'socket' }));
      this.scheduleConnect(0);
    });
  }

  /** Starts connecting and returns at once: Slack being away must not hold up ingest or health. */
  start(): void {
    this.stopping = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.receiver.client.disconnect();
    this.status = { state: 'disconnected', detail: 'stopped' };
  }

  current(): SocketModeStatus {
    return this.status;
  }

  private connect(): void {
    this.status = { state: 'connecting' };
    this.receiver.start().catch((error: unknown) => {
      if (this.stopping) return;
      const delay = this.nextDelay();
      const failure = describe(error);
      this.status = { state: 'disconnected', detail: failure.reason };
      this.options.logger.error(
        `Socket Mode could not connect (${failure.reason}): ${failure.fix}; retrying in ${Math.round(delay / 1000)}s`,
        logFields({ slack_mode: 'socket', reason: failure.reason }),
      );
      this.scheduleConnect(delay);
    });
  }

  private nextDelay(): number {
    const delay = this.retryDelaysMs[Math.min(this.failures, this.retryDelaysMs.length - 1)] ?? 0;
    this.failures += 1;
    return delay;
  }

  private scheduleConnect(delayMs: number): void {
    if (this.stopping || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping) this.connect();
    }, delayMs);
  }
}

function describe(error: unknown): { reason: string; fix: string } {
  if (error === undefined)
    return { reason: 'closed before Slack said hello', fix: 'Slack may be restarting' };
  const failure = classifySlackError(error);
  if (TOKEN_ERRORS.has(failure.reason))
    return {
      reason: failure.reason,
      fix:
        'Slack refused SLACK_APP_TOKEN; create an app-level token with the connections:write scope ' +
        '(app settings → Basic Information → App-Level Tokens) and turn Socket Mode on',
    };
  return { reason: failure.reason, fix: 'check that this machine can reach slack.com over HTTPS' };
}
