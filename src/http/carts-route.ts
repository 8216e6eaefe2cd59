import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TimelineEntry } from '../domain/timeline.js';
import { bearerMatches, credentialsOf, signatureMatches } from '../ingest/auth.js';
import type { CartReport, CartStatusService } from '../services/cart-status.js';
import { sendError, sendJson } from './reply.js';

export const CARTS_PREFIX = '/carts/';

/**
 * GET /carts/{id}: a cart's timeline by cart, order, payment or shipment id, or what a person holds
 * (a Shopify order's number, name, admin URL or gid; a Stripe pi_, ch_ or cs_ id), behind the ingest secret.
 */
export function cartsRoute(deps: { status: CartStatusService; secret: string | undefined }) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (req.method !== 'GET') return sendError(res, 405, 'use GET to read a cart', {}, { allow: 'GET' });
    if (!authorized(req, deps.secret)) {
      return sendError(res, 401, 'send Authorization: Bearer <CARTWATCH_INGEST_SECRET>');
    }
    let id: string;
    try {
      id = decodeURIComponent(path.slice(CARTS_PREFIX.length));
    } catch {
      return sendError(res, 400, 'the id is not valid percent-encoding');
    }
    if (id === '' || id.length > 200)
      return sendError(res, 400, 'give a cart, order, payment or shipment id');
    const found = await deps.status.find(id);
    if (found.type === 'not_found') {
      return sendError(res, 404, `no cart, order, payment or shipment is known by "${id}"`);
    }
    if (found.type === 'ambiguous') {
      return sendError(res, 409, `"${id}" could mean more than one cart: give one of the keys below`, {
        matches: found.matches.map((m) => ({ read_as: m.reading.as, key: m.reading.key, cart_id: m.cartId })),
      });
    }
    const report = found.report;
    sendJson(res, 200, {
      cart_id: report.cartId,
      events: report.entries.map(toWire),
      exceptions: report.exceptions.map(exceptionToWire),
    });
  };
}

function authorized(req: IncomingMessage, secret: string | undefined): boolean {
  if (secret === undefined) return false;
  const credentials = credentialsOf(req.headers);
  if (credentials.kind === 'bearer') return bearerMatches(credentials.token, secret);
  // A GET has no body: the signature covers the empty body, as for any other request.
  if (credentials.kind === 'signature') return signatureMatches(credentials.hex, Buffer.alloc(0), secret);
  return false;
}

/** The timeline in SPEC's wire names, with what the timeline worked out alongside each event. */
function toWire({ event, sincePreviousMs, stepDurationMs, late }: TimelineEntry) {
  return {
    id: event.id,
    cart_id: event.cartId ?? null,
    order_id: event.orderId,
    payment_id: event.paymentId,
    shipment_id: event.shipmentId,
    stage: event.stage,
    step: event.step,
    status: event.status,
    occurred_at: new Date(event.occurredAt).toISOString(),
    received_at: new Date(event.receivedAt).toISOString(),
    source: event.source,
    run_id: event.runId,
    amount: event.amount,
    error: event.error,
    /** The noise.suppress reason, when this failure was held back rather than raised. */
    suppressed: event.suppressed,
    sku: event.sku,
    owner: event.owner,
    attributes: event.attributes,
    late,
    since_previous_ms: sincePreviousMs,
    step_duration_ms: stepDurationMs,
  };
}

function exceptionToWire({ exception: e, audit, silence }: CartReport['exceptions'][number]) {
  const time = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    id: e.id,
    kind: e.kind,
    state: e.state,
    resolution: e.resolution,
    stage: e.stage,
    step: e.step,
    error_code: e.errorCode,
    error_message: e.errorMessage,
    amount: e.amount,
    team: e.team,
    assignee: e.assignee,
    count: e.count,
    first_seen_at: time(e.firstSeenAt),
    last_seen_at: time(e.lastSeenAt),
    resolved_at: time(e.resolvedAt),
    /** The silence it was raised under (held back from Slack until that ended), if any. */
    silence: silence && {
      id: silence.id,
      reason: silence.reason,
      created_by: silence.createdBy,
      ends_at: time(silence.endedAt ?? silence.endsAt),
      maintenance: silence.maintenance,
    },
    snoozed_until: time(e.snoozedUntil),
    snoozed_by: e.snoozedBy,
    audit: audit.map((entry) => ({
      at: time(entry.at),
      actor: entry.actor,
      action: entry.action,
      note: entry.note,
    })),
  };
}
