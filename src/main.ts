import { hostname } from 'node:os';
import { startBackground } from './composition/background.js';
import { startDemo } from './composition/demo.js';
import { buildRoutes } from './composition/routes.js';
import { buildServices } from './composition/services.js';
import { SlackSide } from './composition/slack-side.js';
import { localFilesBase } from './config/env.js';
import type { CartwatchConfig, Env } from './config.js';
import { withDemoSources } from './demo/config.js';
import { logStartupChecks } from './doctor/doctor.js';
import { type DuePolicy, NO_DUE_POLICY } from './domain/due-policy.js';
import { closeServer, listen } from './http/listen.js';
import { Metrics } from './http/metrics.js';
import { createHttpServer, type Handler, type HttpTimeouts } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import { createSandbox } from './sandbox/index.js';
import type { SandboxWorkspace } from './sandbox/workspace.js';
import { type Clock, systemClock } from './services/clock.js';
import type { DigestService } from './services/digest.js';
import type { WeeklyDigestService } from './services/weekly-digest.js';
import type { SlackDeps } from './slack/app.js';
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
    /** chat.update's allowance per workspace (default 40 a minute after a burst of 10). */
    updateBudget?: { perMinute: number; burst: number };
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
  const { env, tuning } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(env.logLevel, { format: env.logFormat ?? 'text' });
  const slackMode = checkSlackCredentials(env);
  const ingestSecret = resolveIngestSecret(env, slackMode);
  const instance = env.instance ?? `${hostname()}-${process.pid}`;
  // The sandbox feeds the demo to a new database unless told otherwise; the demo watches one more source.
  const newDatabase = slackMode === 'none' && (await isNewDatabase(env.dbPath));
  const feedingDemo = options.demo ?? newDatabase;
  const config = feedingDemo ? withDemoSources(options.config) : options.config;

  const store = await openStartStore(env, config, { clock, logger, instance, tuning });
  const metrics = new Metrics(store, clock, { instance });
  const slack = new SlackSide({ metrics, tuning });
  const services = buildServices({
    store,
    clock,
    config,
    logger,
    metrics,
    sendNow: slack.sendNow,
    userGroupMembers: slack.membersOf,
  });
  const { sendNow } = slack;
  const { actions, status, trends, silences, snoozes } = services;
  const slackDeps: SlackDeps = { store, clock, logger, config, actions, status, trends, silences, snoozes };

  // Without Slack credentials (outside production) the bot talks to the local sandbox instead.
  const sandbox =
    slackMode === 'none'
      ? createSandbox(config, { dbPath: localFilesBase(env.dbPath), newDatabase, logger })
      : undefined;
  const routes = buildRoutes({
    env,
    config,
    store,
    clock,
    logger,
    metrics,
    services,
    secret: ingestSecret.value,
    instance,
    slackStatus: () => slack.status(sandbox !== undefined),
  });
  const mount = (path: string, handler: Handler) => {
    routes.exact[path] = handler;
  };
  if (slackMode === 'slack') slack.connect(env, slackDeps, mount);
  Object.assign(routes.exact, sandbox?.exactRoutes);
  Object.assign(routes.prefix, sandbox?.routes);
  const server = createHttpServer(routes, logger, tuning?.httpTimeouts);

  // The sandbox acts as anyone who asks: it listens on this machine only.
  const port = await listen(server, env.port, sandbox ? '127.0.0.1' : undefined);
  const url = `http://127.0.0.1:${port}`;
  // The sandbox's address is known only now, so the bot's Slack side is built against it here.
  if (sandbox) slack.connect(sandbox.slackEnv(env, url), slackDeps, mount);
  await slack.startApp();
  const background = startBackground({
    services,
    store,
    slack,
    config,
    logger,
    detectorPollMs: tuning?.detectorPollMs,
  });
  // Never in the sandbox; in the background, so Slack being slow or away does not hold up start.
  const client = slack.client;
  if (options.startupChecks && slackMode === 'slack' && client)
    void logStartupChecks({ env, config, client, logger }).catch((error: unknown) =>
      logger.warn('start-up checks could not run:', error),
    );
  const demo = feedingDemo
    ? startDemo({
        services,
        store,
        clock,
        logger,
        config,
        sendNow,
        inSandbox: sandbox !== undefined,
        ...(tuning?.demo && { tuning: tuning.demo }),
      })
    : undefined;

  return {
    port,
    url,
    store,
    ...(sandbox && { sandbox: sandbox.workspace }),
    ingestSecret,
    slackMode,
    detectNow: () => services.detector.catchUp(),
    sweepNow: async () => {
      await services.sweeper.sweepNow();
    },
    sendNow,
    digests: services.digests,
    weeklyDigests: services.weeklyDigests,
    async stop() {
      // Background work first (the sandbox's Slack stand-in lives on this server), then HTTP: the
      // server stops accepting and lets in-flight requests and their commits finish; the store last.
      await demo?.stop();
      await background.stop();
      await closeServer(server);
      sandbox?.close();
      await slack.stopApp();
      await store.close();
    },
  };
}

/** Opens the store, waiting for a Postgres that is down or restarting; a new database begins at the clock's now. */
function openStartStore(
  env: Env,
  config: CartwatchConfig,
  parts: { clock: Clock; logger: Logger; instance: string; tuning: StartOptions['tuning'] },
): Promise<Store> {
  const { clock, logger, tuning } = parts;
  return openStore(env.dbPath, duePolicyOf(config, tuning), {
    now: clock.now(),
    instance: parts.instance,
    ...(tuning?.storeLockWaitMs !== undefined && { lockWaitMs: tuning.storeLockWaitMs }),
    waitMs: START_WAITS_FOR_DATABASE_MS,
    onWaiting: (problem, retryInMs) =>
      logger.warn(`the database cannot be reached yet (${problem}); trying again in ${retryInMs} ms`),
  });
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
