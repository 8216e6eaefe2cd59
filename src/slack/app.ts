import type { RequestListener } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { CartwatchConfig, Env } from '../config.js';
import type { Logger } from '../logger.js';
import type { CartStatusService } from '../services/cart-status.js';
import type { Clock } from '../services/clock.js';
import type { ExceptionActions } from '../services/exception-actions.js';
import type { SilenceService } from '../services/silences.js';
import type { SnoozeService } from '../services/snooze.js';
import type { TrendService } from '../services/trends.js';
import type { Store } from '../store/store.js';
import { BotIdentityCache } from './bot-identity.js';
import { HomePublisher } from './home-publisher.js';
import { registerEndSilenceButton } from './listeners/actions/end-silence-button.js';
import { registerExceptionButtons } from './listeners/actions/exception-buttons.js';
import { registerExceptionMenu } from './listeners/actions/exception-menu.js';
import { registerGroupButtons } from './listeners/actions/group-buttons.js';
import { registerReassignButton } from './listeners/actions/reassign-button.js';
import { registerResolveAllButton } from './listeners/actions/resolve-all-button.js';
import { registerSilenceMatchChange } from './listeners/actions/silence-match-change.js';
import { registerTimelineButton } from './listeners/actions/timeline-button.js';
import { registerCartStatusCommand } from './listeners/commands/cart-status.js';
import { registerAppHomeOpened } from './listeners/events/app-home-opened.js';
import { registerReassignSubmission } from './listeners/views/reassign-submission.js';
import { registerResolveGroupSubmission } from './listeners/views/resolve-group-submission.js';
import { registerResolveSubmission } from './listeners/views/resolve-submission.js';
import { registerSilenceSubmission } from './listeners/views/silence-submission.js';
import { registerSnoozeSubmission } from './listeners/views/snooze-submission.js';
import { MineReply } from './mine-reply.js';
import { ignoreRedeliveries } from './redelivery-guard.js';
import { guardSlackRequests } from './request-guard.js';
import { SocketModeConnection, type SocketModeStatus } from './socket-mode.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackApp {
  app: App;
  /** The bot's Web API client, for the outbox (Bolt's listeners get theirs per request). */
  client: WebClient;
  /** HTTP mode: the handler to mount at SLACK_EVENTS_PATH on our one port. Socket Mode: undefined. */
  requestListener: RequestListener | undefined;
  /** Socket Mode: the connection's state (for /healthz). HTTP mode: undefined. */
  socketMode(): SocketModeStatus | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SlackDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  actions: ExceptionActions;
  status: CartStatusService;
  trends: TrendService;
  config: CartwatchConfig;
  silences: SilenceService;
  snoozes: SnoozeService;
}

/** Bolt 5: HTTP mode on our own server (Bolt verifies signatures), or Socket Mode with an app token. */
export function createSlackApp(env: Env, deps: SlackDeps, options: { timeoutMs?: number } = {}): SlackApp {
  const clientOptions = {
    ...(env.slackApiUrl !== undefined && { slackApiUrl: env.slackApiUrl }),
    // The outbox owns retries and pacing; the client must report a 429 instead of waiting on it.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // A hung call is cut off and retried (after a look for the message it may have posted).
    timeout: options.timeoutMs ?? 10_000,
  };
  const botToken = env.slackBotToken ?? '';
  const client = new WebClient(botToken, { ...clientOptions, logger: deps.logger });
  const identity = new BotIdentityCache(client);
  const common = {
    authorize: async () => ({ botToken, ...(await identity.get()) }),
    logger: deps.logger,
    // Bolt resets a given logger to INFO unless told its level: LOG_LEVEL would be lost.
    logLevel: deps.logger.getLevel(),
    clientOptions,
  };
  let app: App;
  let requestListener: RequestListener | undefined;
  let socket: SocketModeConnection | undefined;
  if (env.slackAppToken !== undefined) {
    socket = new SocketModeConnection({
      appToken: env.slackAppToken,
      ...(env.slackApiUrl !== undefined && { slackApiUrl: env.slackApiUrl }),
      logger: deps.logger,
      timeoutMs: clientOptions.timeout,
    });
    app = new App({ ...common, receiver: socket.receiver });
  } else {
    const receiver = new HTTPReceiver({
      signingSecret: env.slackSigningSecret ?? '',
      endpoints: SLACK_EVENTS_PATH,
      logger: deps.logger,
    });
    app = new App({ ...common, receiver });
    // Signature, replay and shape are checked in front of Bolt, in that order (see request-guard).
    requestListener = guardSlackRequests(receiver.requestListener, {
      signingSecret: env.slackSigningSecret ?? '',
    });
  }
  // Before any listener: a delivery Slack retries after its first was handled is only acknowledged.
  app.use(ignoreRedeliveries());
  const home = new HomePublisher({ client, status: deps.status, config: deps.config, logger: deps.logger });
  const mine = new MineReply({ status: deps.status, logger: deps.logger });
  registerExceptionButtons(app, deps.actions, { home, mine });
  registerTimelineButton(app, deps);
  registerReassignButton(app, deps);
  registerGroupButtons(app, deps.actions, home);
  registerResolveAllButton(app, deps);
  registerExceptionMenu(app, deps);
  registerSnoozeSubmission(app, deps.snoozes);
  registerSilenceSubmission(app, deps.silences);
  registerSilenceMatchChange(app, deps);
  registerEndSilenceButton(app, deps.silences);
  registerResolveSubmission(app, deps.actions, home);
  registerResolveGroupSubmission(app, deps.actions, home);
  registerAppHomeOpened(app, home);
  registerCartStatusCommand(app, deps);
  registerReassignSubmission(app, deps.actions, home);
  return {
    app,
    client,
    requestListener,
    socketMode: () => socket?.current(),
    start: async () => {
      socket?.start();
    },
    stop: async () => {
      await socket?.stop();
    },
  };
}
