import { hostname } from 'node:os';
import { localFilesBase } from './config/env.js';
import type { CartwatchConfig, Env } from './config.js';
import { withDemoSources } from './demo/config.js';
import { feedDemo } from './demo/feeder.js';
import { logStartupChecks } from './doctor/doctor.js';
import { type DuePolicy, NO_DUE_POLICY } from './domain/due-policy.js';
import { CARTS_PREFIX, cartsRoute } from './http/carts-route.js';
import { databaseShown, healthRoute } from './http/health-route.js';
import { closeServer, listen } from './http/listen.js';
import { Metrics } from './http/metrics.js';
import { createHttpServer, type Handler, type HttpTimeouts } from './http/server.js';
import { eventsRoute } from './ingest/events-route.js';
import { shopifyRoute, stripeRoute } from './ingest/webhooks/webhook-routes.js';
import { createLogger, type Logger } from './logger.js';
import { createSandbox } from './sandbox/index.js';
import type { SandboxWorkspace } from './sandbox/workspace.js';
import { scheduleDigests } from './schedules/digest-schedule.js';
import { scheduleRetention } from './schedules/retention-schedule.js';
import { scheduleWeeklyDigests } from './schedules/weekly-digest-schedule.js';
import { CartStatusService } from './services/cart-status.js';
import { type Clock, systemClock } from './services/clock.js';
import { Detector } from './services/detector.js';
import { DigestService } from './services/digest.js';
import { ExceptionActions } from './services/exception-actions.js';
import { IngestService } from './services/ingest.js';
import { RetentionService } from './services/retention.js';
import { SilenceService } from './services/silences.js';
import { SnoozeService } from './services/snooze.js';
import { Sweeper } from './services/sweeper.js';
import { TeamMembers } from './services/team-members.js';
import { TrendService } from './services/trends.js';
import { WeeklyDigestService } from './services/weekly-digest.js';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from './slack/app.js';
import { OutboxWorker } from './slack/outbox-worker.js';
import { UserGroups } from './slack/user-groups.js';
import { UserNames } from './slack/user-names.js';
import {
  checkSlackCredentials,
  type IngestSecret,
  resolveIngestSecret,
  type SlackMode,
} from './startup-checks.js';
import { isNewDatabase, openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface StartOptions {
  env: Env;
  config: CartwatchConfig;
  clock?: Clock;
  logger?: Logger;
  /** Feed the demo stream (always with --demo; by default in the sandbox when the database is empty). */
  demo?: boolean;
  /** Check the token, scopes, channels, user groups and secrets once started, and log problems (cartwatch start does). */
  startupChecks?: boolean;
  /** Timings tests shorten; production uses the defaults. */
  tuning?: {
    outboxPollMs?: number;
    postIntervalMs?: number;
    detectorPollMs?: number;
    slackTimeoutMs?: number;
    httpTimeouts?: HttpTimeouts;
    grouping?: Partial<DuePolicy['grouping']>;
    /** SQLite: how long a write waits out another process's write lock (default 5 s). */
    storeLockWaitMs?: number;
    /** How long the demo's ten minutes take in real time, and the wait after it before the sandbox's digests. */
    demo?: { lengthMs?: number; digestDelayMs?: number };
  };
}

export interface RunningCartwatch {
  port: number;
  url: string;
  store: Store;
  ingestSecret: IngestSecret;
  slackMode: SlackMode;
  /** Set when running against the local Slack sandbox. */
  sandbox?: SandboxWorkspace;
  /** Runs detection until every stored event is processed (tests and tools wait on it). */
  detectNow(): Promise<void>;
  /** Runs the due-time sweep (stalls, backlogs, silent sources, escalations, reminders) now. */
  sweepNow(): Promise<void>;
  digests: DigestService;
  weeklyDigests: WeeklyDigestService;
  /** Sends what is due in the outbox now. */
  sendNow(): void;
  stop(): Promise<void>;
}

/** How long start-up waits for a Postgres that is down or restarting before it gives up. */
const START_WAITS_FOR_DATABASE_MS = 120_000;

/** Composition root: config → database → services → Slack → HTTP → start; `stop` undoes it in reverse. */
export async function startCartwatch(options: StartOptions): Promise<RunningCartwatch> {
  const { env } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(env.logLevel, { format: env.logFormat ?? 'text' });
  const slackMode = checkSlackCredentials(env);
  const ingestSecret = resolveIngestSecret(env, slackMode);
  const instance = env.instance ?? `${hostname()}-${process.pid}`;
  // The sandbox feeds the demo to a new database unless told otherwise; the demo watches one more source.
  const newDatabase = slackMode === 'none' && (await isNewDatabase(env.dbPath));
  const feedingDemo = options.demo ?? newDatabase;
  const config = feedingDemo ? withDemoSources(options.config) : options.config;

  // A new database records this clock's now as when it began (its first day gets no digest).
  const store = await openStore(env.dbPath, duePolicyOf(config, options.tuning), {
    now: clock.now(),
    instance,
    ...(options.tuning?.storeLockWaitMs !== undefined && { lockWaitMs: options.tuning.storeLockWaitMs }),
    waitMs: START_WAITS_FOR_DATABASE_MS,
    onWaiting: (problem, retryInMs) =>
      logger.warn(`the database cannot be reached yet (${problem}); trying again in ${retryInMs} ms`),
  });
  let outbox: OutboxWorker | undefined;
  const sendNow = () => outbox?.wake();
  const metrics = new Metrics(store, clock, { instance });
  const detector = new Detector({ store, clock, config, logger, onChanges: sendNow, observer: metrics });
  const ingest = new IngestService({ store, clock, onRecorded: () => detector.wake() });
  const status = new CartStatusService({ store, clock, config });
  let userGroups: UserGroups | undefined;
  const actions = new ExceptionActions({
    store,
    clock,
    config,
    onChanges: sendNow,
    observer: metrics,
    userGroupMembers: (group) =>
      userGroups ? userGroups.membersOf(group) : Promise.reject(new Error('Slack is not connected')),
  });
  const retention = new RetentionService({ store, clock, retentionDays: config.retentionDays });
  const sweeper = new Sweeper({ store, clock, config, logger, onChanges: sendNow, observer: metrics });
  const digests = new DigestService({ store, clock, config, onChanges: sendNow, observer: metrics });
  const trends = new TrendService({ store, clock, config });
  const weeklyDigests = new WeeklyDigestService({ store, clock, config, trends, onChanges: sendNow });
  const members = new TeamMembers({
    config,
    userGroupMembers: (group) =>
      userGroups ? userGroups.membersOf(group) : Promise.reject(new Error('Slack is not connected')),
  });
  // An early end is told at once (in the running bot); a silence ended from the shell, within a sweep.
  const settleNow = async () => {
    await sweeper.settleNoise();
  };
  const silences = new SilenceService({ store, clock, config, members, onChanges: sendNow, settleNow });
  const snoozes = new SnoozeService({ store, clock, config, members, onChanges: sendNow });

  // Without Slack credentials (outside production) the bot talks to the local sandbox instead.
  const sandbox =
    slackMode === 'none'
      ? createSandbox(config, { dbPath: localFilesBase(env.dbPath), newDatabase, logger })
      : undefined;
  let slack: SlackApp | undefined;
  const connectSlack = (slackEnv: Env) => {
    const timeoutMs = options.tuning?.slackTimeoutMs;
    slack = createSlackApp(
      slackEnv,
      { store, clock, logger, actions, status, trends, config, silences, snoozes },
      timeoutMs === undefined ? {} : { timeoutMs },
    );
    userGroups = new UserGroups(slack.client);
    outbox = new OutboxWorker({
      observer: metrics,
      store,
      client: slack.client,
      clock,
      logger,
      names: new UserNames(slack.client),
      ...(options.tuning?.outboxPollMs !== undefined && { pollMs: options.tuning.outboxPollMs }),
      ...(options.tuning?.postIntervalMs !== undefined && { postIntervalMs: options.tuning.postIntervalMs }),
    });
    const listener = slack.requestListener;
    if (listener) exact[SLACK_EVENTS_PATH] = listener;
  };

  const webhooks = { ingest, store, clock, metrics, logger };
  const exact: Record<string, Handler> = {
    '/events': eventsRoute({
      ingest,
      secret: ingestSecret.value,
      maxBodyBytes: config.ingest.maxBodyBytes,
      logger,
      metrics,
    }),
    '/webhooks/shopify': shopifyRoute({ ...webhooks, secret: env.shopifyWebhookSecret }),
    '/webhooks/stripe': stripeRoute({ ...webhooks, secret: env.stripeWebhookSecret }),
    '/metrics': metrics.route(),
    '/healthz': healthRoute({
      store,
      instance,
      database: databaseShown(env.dbPath),
      slack: () => {
        if (!outbox) return { state: 'not configured' };
        const socket = slack?.socketMode();
        if (socket !== undefined && socket.state !== 'connected')
          return {
            state: 'degraded',
            detail: `Socket Mode ${socket.state}${socket.detail ? `: ${socket.detail}` : ''}`,
          };
        const health = outbox.health();
        return sandbox && health.state === 'connected' ? { state: 'sandbox' } : health;
      },
    }),
  };
  if (slackMode === 'slack') connectSlack(env);
  Object.assign(exact, sandbox?.exactRoutes);
  const server = createHttpServer(
    {
      exact,
      prefix: { [CARTS_PREFIX]: cartsRoute({ status, secret: ingestSecret.value }), ...sandbox?.routes },
    },
    logger,
    options.tuning?.httpTimeouts,
  );

  // The sandbox acts as anyone who asks: it listens on this machine only.
  const port = await listen(server, env.port, sandbox ? '127.0.0.1' : undefined);
  const url = `http://127.0.0.1:${port}`;
  // The sandbox's address is known only now, so the bot's Slack side is built against it here.
  if (sandbox) connectSlack(sandbox.slackEnv(env, url));
  await (slack as SlackApp | undefined)?.start();
  detector.start(options.tuning?.detectorPollMs);
  sweeper.start();
  const stopDigests = scheduleDigests(config, digests, logger);
  const stopWeeklyDigests = scheduleWeeklyDigests(config, weeklyDigests, logger);
  outbox?.start();
  // Other instances' commits wake this one at once; polling above stays the fallback.
  const wakeUps = [store.subscribe('events', () => detector.wake()), store.subscribe('outbox', sendNow)];
  // Never in the sandbox; in the background, so Slack being slow or away does not hold up start.
  const live = slack as SlackApp | undefined;
  if (options.startupChecks && slackMode === 'slack' && live)
    void logStartupChecks({ env, config, client: live.client, logger }).catch((error: unknown) =>
      logger.warn('start-up checks could not run:', error),
    );
  const demoTuning = options.tuning?.demo;
  const demo = feedingDemo
    ? feedDemo({
        ingest,
        store,
        logger,
        clock,
        onChanges: sendNow,
        settle: async () => {
          await detector.catchUp();
          await sweeper.sweepNow();
        },
        ...(demoTuning?.lengthMs !== undefined && { lengthMs: demoTuning.lengthMs }),
        // In the sandbox, each team's digest follows the demo and tells of what it raised.
        ...(sandbox && {
          digests: {
            run: (team, runOptions) => digests.run(team, runOptions),
            teams: Object.keys(config.teams),
            ...(demoTuning?.digestDelayMs !== undefined && { delayMs: demoTuning.digestDelayMs }),
          },
        }),
      })
    : undefined;
  const stopRetention = scheduleRetention(retention, logger);

  return {
    port,
    url,
    store,
    ...(sandbox && { sandbox: sandbox.workspace }),
    ingestSecret,
    slackMode,
    detectNow: () => detector.catchUp(),
    sweepNow: async () => {
      await sweeper.sweepNow();
    },
    sendNow,
    digests,
    weeklyDigests,
    async stop() {
      stopRetention();
      for (const stopListening of wakeUps) stopListening();
      // Background work first (the sandbox's Slack stand-in lives on this server), then HTTP: the
      // server stops accepting and lets in-flight requests and their commits finish; the store last.
      await demo?.stop();
      stopDigests();
      stopWeeklyDigests();
      await sweeper.stop();
      await detector.stop();
      await outbox?.stop();
      await closeServer(server);
      sandbox?.close();
      await slack?.stop();
      await store.close();
    },
  };
}

/** The config's time rules, in the shape the store applies when it writes. */
function duePolicyOf(config: CartwatchConfig, tuning: StartOptions['tuning']): DuePolicy {
  return {
    slaMs: config.slaMs,
    expect: config.expect,
    watchedSources: Object.keys(config.sources),
    escalateAfterMs: config.escalation.afterMs,
    remindAfterMs: config.escalation.remindAcknowledgedAfterMs,
    grouping: { ...NO_DUE_POLICY.grouping, ...tuning?.grouping },
  };
}
