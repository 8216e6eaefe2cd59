import type { Env } from '../config.js';
import type { SlackStatus } from '../http/health-route.js';
import type { Metrics } from '../http/metrics.js';
import type { Handler } from '../http/server.js';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp, type SlackDeps } from '../slack/app.js';
import { OutboxWorker } from '../slack/outbox-worker.js';
import { UserGroups } from '../slack/user-groups.js';
import { UserNames } from '../slack/user-names.js';

export interface SlackTuning {
  outboxPollMs?: number;
  postIntervalMs?: number;
  updateBudget?: { perMinute: number; burst: number };
  slackTimeoutMs?: number;
}

/**
 * Bolt's app, the outbox worker and the user-group lookup, built once Slack's address is known:
 * at once in production, after the HTTP server listens for the local sandbox (which it serves).
 * Until then (or without Slack at all) changes are only committed, and the outbox waits for it.
 */
export class SlackSide {
  private app: SlackApp | undefined;
  private outbox: OutboxWorker | undefined;
  private userGroups: UserGroups | undefined;

  constructor(private readonly parts: { metrics: Metrics; tuning?: SlackTuning | undefined }) {}

  /** Builds the Slack side over the use cases; its HTTP listener (HTTP mode) is mounted with `mount`. */
  connect(env: Env, deps: SlackDeps, mount: (path: string, handler: Handler) => void): void {
    const { tuning, metrics } = this.parts;
    const timeoutMs = tuning?.slackTimeoutMs;
    this.app = createSlackApp(env, deps, timeoutMs === undefined ? {} : { timeoutMs });
    this.userGroups = new UserGroups(this.app.client);
    this.outbox = new OutboxWorker({
      observer: metrics,
      store: deps.store,
      client: this.app.client,
      clock: deps.clock,
      logger: deps.logger,
      names: new UserNames(this.app.client),
      ...(tuning?.outboxPollMs !== undefined && { pollMs: tuning.outboxPollMs }),
      ...(tuning?.postIntervalMs !== undefined && { postIntervalMs: tuning.postIntervalMs }),
      ...(tuning?.updateBudget !== undefined && { updateBudget: tuning.updateBudget }),
    });
    const listener = this.app.requestListener;
    if (listener) mount(SLACK_EVENTS_PATH, listener);
  }

  /** The bot's Web API client, once connected. */
  get client() {
    return this.app?.client;
  }

  /** Sends what is due in the outbox now (nothing before Slack is connected). */
  readonly sendNow = (): void => {
    this.outbox?.wake();
  };

  /** A Slack user group's members; refused before Slack is connected. */
  readonly membersOf = (group: string): Promise<string[]> =>
    this.userGroups ? this.userGroups.membersOf(group) : Promise.reject(new Error('Slack is not connected'));

  /** What /healthz says of Slack: the Socket Mode connection, then the outbox's last call. */
  status(inSandbox: boolean): SlackStatus {
    if (!this.outbox) return { state: 'not configured' };
    const socket = this.app?.socketMode();
    if (socket !== undefined && socket.state !== 'connected')
      return {
        state: 'degraded',
        detail: `Socket Mode ${socket.state}${socket.detail ? `: ${socket.detail}` : ''}`,
      };
    const health = this.outbox.health();
    return inSandbox && health.state === 'connected' ? { state: 'sandbox' } : health;
  }

  async startApp(): Promise<void> {
    await this.app?.start();
  }

  startOutbox(): void {
    this.outbox?.start();
  }

  /** Stopped before the HTTP server closes: a send under way finishes. */
  async stopOutbox(): Promise<void> {
    await this.outbox?.stop();
  }

  /** Stopped last but the store: Bolt's listeners may still be answering. */
  async stopApp(): Promise<void> {
    await this.app?.stop();
  }
}
