import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CartwatchConfig, Env } from './config.js';
import { ConfigError } from './config.js';
import { CARTS_PREFIX, cartsRoute } from './http/carts-route.js';
import { healthRoute } from './http/health-route.js';
import { createHttpServer } from './http/server.js';
import { eventsRoute } from './ingest/events-route.js';
import { createLogger, type Logger } from './logger.js';
import { type Clock, systemClock } from './services/clock.js';
import { IngestService } from './services/ingest.js';
import { RetentionService } from './services/retention.js';
import { TimelineService } from './services/timeline.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

const RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface StartOptions {
  env: Env;
  config: CartwatchConfig;
  clock?: Clock;
  logger?: Logger;
}

export interface RunningCartwatch {
  port: number;
  url: string;
  store: Store;
  /** How ingest authenticates: from the environment, or generated for a local run. */
  ingestSecret: { value: string | undefined; generated: boolean };
  slackMode: 'slack' | 'none';
  stop(): Promise<void>;
}

/** Composition root: config → database → services → HTTP → start; `stop` undoes it in reverse. */
export async function startCartwatch(options: StartOptions): Promise<RunningCartwatch> {
  const { env, config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(env.logLevel);
  const slackMode = checkSlackCredentials(env);
  const ingestSecret = resolveIngestSecret(env, slackMode);

  const store = SqliteStore.open(env.dbPath);
  const ingest = new IngestService({ store, clock });
  const timelines = new TimelineService({ store });
  const retention = new RetentionService({ store, clock, retentionDays: config.retentionDays });

  const server = createHttpServer(
    {
      exact: {
        '/events': eventsRoute({
          ingest,
          secret: ingestSecret.value,
          maxBodyBytes: config.ingest.maxBodyBytes,
          logger,
        }),
        '/healthz': healthRoute({ store, slack: () => ({ state: 'not configured' }) }),
      },
      prefix: { [CARTS_PREFIX]: cartsRoute({ timelines, secret: ingestSecret.value }) },
    },
    logger,
  );
  const port = await listen(server, env.port);
  const prune = () => {
    retention.pruneNow().catch((error: unknown) => logger.error('retention pruning failed:', error));
  };
  // Once soon after start (not during it), then hourly.
  const firstPrune = setTimeout(prune, 10_000).unref();
  const pruning = setInterval(prune, RETENTION_EVERY_MS).unref();

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    store,
    ingestSecret,
    slackMode,
    async stop() {
      clearTimeout(firstPrune);
      clearInterval(pruning);
      await closeServer(server);
      await store.close();
    },
  };
}

function checkSlackCredentials(env: Env): 'slack' | 'none' {
  const hasHttp = env.slackBotToken !== undefined && env.slackSigningSecret !== undefined;
  const hasSocket = env.slackBotToken !== undefined && env.slackAppToken !== undefined;
  if (hasHttp || hasSocket) return 'slack';
  if (!env.production) return 'none';
  throw new ConfigError('ENV_INVALID', [
    'SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode): required when ' +
      'NODE_ENV=production. Create the Slack app from manifest.yml, install it, and copy the bot token ' +
      'and signing secret into the environment or .env.',
  ]);
}

/**
 * Without a configured secret, a local run makes one and keeps it beside the database, so the
 * curl line shown at start keeps working across restarts. Live Slack mode never invents one.
 */
function resolveIngestSecret(env: Env, slackMode: 'slack' | 'none'): RunningCartwatch['ingestSecret'] {
  if (env.ingestSecret !== undefined) return { value: env.ingestSecret, generated: false };
  if (slackMode === 'slack' || env.production) {
    return { value: undefined, generated: false };
  }
  const file = path.join(path.dirname(env.dbPath), 'ingest-secret');
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), generated: true };
  mkdirSync(path.dirname(file), { recursive: true });
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, generated: true };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish (their commits included), then resolves. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
