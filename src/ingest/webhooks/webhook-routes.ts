import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@slack/logger';
import { isStoreRefusal } from '../../errors.js';
import { BodyTooLargeError, readBody } from '../../http/body.js';
import type { Metrics } from '../../http/metrics.js';
import { sendError, sendJson, sendRetryLater } from '../../http/reply.js';
import type { Clock } from '../../services/clock.js';
import type { IngestService } from '../../services/ingest.js';
import type { Store } from '../../store/store.js';
import { validateEvents } from '../event-schema.js';
import { type Mapped, mapShopify } from './map-shopify.js';
import { mapStripe } from './map-stripe.js';
import { parseKeepingIds } from './payload.js';
import { SHOPIFY_TOPICS } from './shopify-topics.js';
import { shopifySignatureValid, stripeSignatureValid } from './signatures.js';
import { STRIPE_TYPES } from './stripe-types.js';

const MAX_BODY = 1024 * 1024;

interface WebhookDeps {
  ingest: IngestService;
  store: Store;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  secret: string | undefined;
}

type Platform = 'shopify' | 'stripe';

/** POST /webhooks/shopify: signature first (nothing unsigned is parsed or kept), then the topic table. */
export function shopifyRoute(deps: WebhookDeps) {
  return webhookRoute('shopify', deps, {
    verify: (req, body, secret) => {
      const valid = shopifySignatureValid(body, header(req, 'x-shopify-hmac-sha256'), secret);
      return valid ? { ok: true } : { ok: false, reason: 'X-Shopify-Hmac-Sha256 does not match the body' };
    },
    map: (req, payload) => {
      const topic = header(req, 'x-shopify-topic') ?? '';
      const webhookId = header(req, 'x-shopify-webhook-id') ?? header(req, 'x-shopify-event-id');
      if (webhookId === undefined)
        return { type: 'invalid', reason: 'no X-Shopify-Webhook-Id header', topic };
      return { ...mapShopify({ topic, webhookId, payload, receivedAt: deps.clock.now() }), topic };
    },
  });
}

/** POST /webhooks/stripe: Stripe-Signature with a five-minute tolerance, then the event-type table. */
export function stripeRoute(deps: WebhookDeps & { toleranceSeconds?: number }) {
  return webhookRoute('stripe', deps, {
    verify: (req, body, secret) =>
      stripeSignatureValid(body, header(req, 'stripe-signature'), secret, {
        nowMs: deps.clock.now(),
        toleranceSeconds: deps.toleranceSeconds ?? 300,
      }),
    map: (_req, payload) => {
      const mapped = mapStripe(payload);
      const type = (payload as { type?: unknown } | null)?.type;
      return { ...mapped, topic: typeof type === 'string' ? type : 'unknown' };
    },
  });
}

function webhookRoute(
  platform: Platform,
  deps: WebhookDeps,
  how: {
    verify: (
      req: IncomingMessage,
      body: Buffer,
      secret: string,
    ) => { ok: true } | { ok: false; reason: string };
    map: (req: IncomingMessage, payload: unknown) => Mapped & { topic: string };
  },
) {
  const known = platform === 'shopify' ? SHOPIFY_TOPICS : STRIPE_TYPES;
  // Only mapped topics become labels: Shopify's topic header is not signed, so others fold into "other".
  const count = (topic: string, outcome: string) =>
    deps.metrics.webhooks.inc({ platform, topic: Object.hasOwn(known, topic) ? topic : 'other', outcome });
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return sendError(res, 405, 'use POST', {}, { allow: 'POST' });
    if (deps.secret === undefined) {
      const variable = platform === 'shopify' ? 'SHOPIFY_WEBHOOK_SECRET' : 'STRIPE_WEBHOOK_SECRET';
      return sendError(res, 404, `${platform} webhooks are off: set ${variable}`);
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendError(res, 413, error.message, {}, { connection: 'close' });
      throw error;
    }
    const verified = how.verify(req, body, deps.secret);
    if (!verified.ok) {
      count('unverified', 'unauthorized');
      return sendError(res, 401, verified.reason);
    }
    try {
      await receive(req, body, res);
    } catch (error) {
      // Both platforms retry a delivery that was not answered 2xx, so nothing is lost by refusing.
      if (!isStoreRefusal(error)) throw error;
      count(platform === 'shopify' ? (header(req, 'x-shopify-topic') ?? '') : '', 'refused');
      deps.logger.error(`${platform} webhook refused: ${error.message}`);
      sendRetryLater(res, error.message);
    }
  };

  /**
   * A verified delivery: recorded as an event, ignored (a topic Cartwatch does not follow, or one about
   * no cart it can key), or kept as invalid.
   */
  async function receive(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const refuse = async (topic: string, reason: string) => {
      await deps.store.recordWebhookFailure({
        platform,
        topic,
        reason,
        raw: body.toString('utf8'),
        receivedAt: deps.clock.now(),
      });
      count(topic, 'invalid');
      sendError(res, 400, reason);
    };
    let payload: unknown;
    try {
      payload = parseKeepingIds(body.toString('utf8'));
    } catch {
      const topic = platform === 'shopify' ? (header(req, 'x-shopify-topic') ?? 'unknown') : 'unknown';
      return refuse(topic, 'the body is not valid JSON');
    }
    const mapped = how.map(req, payload);
    if (mapped.type === 'ignored') {
      // Answered 200 all the same: the platform must not retry what Cartwatch chose to let go.
      count(mapped.topic, mapped.reason === undefined ? 'ignored' : 'unkeyed');
      return sendJson(res, 200, { ignored: mapped.topic, ...(mapped.reason && { reason: mapped.reason }) });
    }
    if (mapped.type === 'invalid') return refuse(mapped.topic, mapped.reason);
    const validation = validateEvents([mapped.event]);
    if (!validation.ok) {
      return refuse(
        mapped.topic,
        validation.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
      );
    }
    // The aliases ride beside the event: they are what the platform calls its keys, not event data.
    const events = validation.events.map((event) => ({ ...event, aliases: mapped.aliases }));
    const outcome = await deps.ingest.record(events);
    count(mapped.topic, outcome.accepted > 0 ? 'accepted' : 'duplicate');
    sendJson(res, 200, outcome);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
