import type { CartwatchConfig, Env } from '../config.js';
import { CARTS_PREFIX, cartsRoute } from '../http/carts-route.js';
import { databaseShown, healthRoute, type SlackStatus } from '../http/health-route.js';
import type { Metrics } from '../http/metrics.js';
import type { Routes } from '../http/server.js';
import { eventsRoute } from '../ingest/events-route.js';
import { shopifyRoute, stripeRoute } from '../ingest/webhooks/webhook-routes.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { Store } from '../store/store.js';
import type { Services } from './services.js';

export interface RouteParts {
  env: Env;
  config: CartwatchConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  services: Pick<Services, 'ingest' | 'status'>;
  /** The ingest secret in force (undefined: ingest and the cart API refuse every request). */
  secret: string | undefined;
  instance: string;
  slackStatus: () => SlackStatus;
}

/**
 * The one port's routes: ingest, webhooks, metrics, health and the cart API. Slack's listener and
 * the sandbox's pages are added to `exact` and `prefix` by their owners.
 */
export function buildRoutes(parts: RouteParts): Required<Routes> {
  const { env, config, store, clock, logger, metrics, services, secret } = parts;
  const webhooks = { ingest: services.ingest, store, clock, metrics, logger };
  return {
    exact: {
      '/events': eventsRoute({
        ingest: services.ingest,
        secret,
        maxBodyBytes: config.ingest.maxBodyBytes,
        logger,
        metrics,
      }),
      '/webhooks/shopify': shopifyRoute({ ...webhooks, secret: env.shopifyWebhookSecret }),
      '/webhooks/stripe': stripeRoute({ ...webhooks, secret: env.stripeWebhookSecret }),
      '/metrics': metrics.route(),
      '/healthz': healthRoute({
        store,
        instance: parts.instance,
        database: databaseShown(env.dbPath),
        slack: parts.slackStatus,
      }),
    },
    prefix: { [CARTS_PREFIX]: cartsRoute({ status: services.status, secret }) },
  };
}
