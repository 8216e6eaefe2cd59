import { z } from 'zod';
import { type CartEvent, SKU_STAGES, STAGES, STATUSES } from '../domain/event.js';
import type { NewEvent } from '../store/store.js';

const MAX_ATTRIBUTES_BYTES = 16 * 1024;

const id = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(200, `${what} must be at most 200 characters`);

const MAX_ATTRIBUTES_DEPTH = 32;

// Depth is checked first, and without recursion: a deeply nested body would otherwise overflow
// the stack in JSON.stringify and turn a client's mistake into a server error.
const attributes = z
  .record(z.string(), z.unknown())
  .refine((value) => nestingWithin(value, MAX_ATTRIBUTES_DEPTH), {
    message: `attributes may nest at most ${MAX_ATTRIBUTES_DEPTH} levels deep`,
    abort: true,
  })
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_ATTRIBUTES_BYTES, {
    message: 'attributes must be at most 16 KiB as JSON',
  });

function nestingWithin(root: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, depth] = entry;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) return false;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return true;
}

/** The wire format of SPEC "Events in"; strict so that a misspelt field is reported, not dropped. */
const wireEvent = z
  .strictObject({
    id: id('id'),
    cart_id: id('cart_id').optional(),
    order_id: id('order_id').optional(),
    payment_id: id('payment_id').optional(),
    shipment_id: id('shipment_id').optional(),
    stage: z.enum(STAGES, { error: `stage must be one of ${STAGES.join(', ')}` }),
    step: z.string().min(1, 'step must not be empty').max(100, 'step must be at most 100 characters'),
    status: z.enum(STATUSES, { error: `status must be one of ${STATUSES.join(', ')}` }),
    occurred_at: z.iso.datetime({
      offset: true,
      error: 'occurred_at must be an RFC 3339 timestamp with offset, e.g. 2026-11-27T09:14:03.120Z',
    }),
    source: z.string().min(1, 'source must not be empty').max(100, 'source must be at most 100 characters'),
    run_id: id('run_id').optional(),
    amount: z
      .strictObject({
        value: z
          .int('amount.value must be a whole number of minor units (cents)')
          .min(0)
          .max(Number.MAX_SAFE_INTEGER),
        currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be a 3-letter ISO 4217 code such as USD'),
      })
      .optional(),
    error: z
      .strictObject({
        code: z.string().max(100).optional(),
        message: z.string().max(1000).optional(),
      })
      .optional(),
    sku: id('sku').optional(),
    owner: z.string().min(1).max(100).optional(),
    attributes: attributes.optional(),
  })
  .superRefine((event, ctx) => {
    const correlated = event.cart_id ?? event.order_id ?? event.payment_id ?? event.shipment_id;
    if (correlated !== undefined) return;
    if (SKU_STAGES.has(event.stage)) {
      if (event.sku === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['cart_id'],
          message: `a ${event.stage} event needs cart_id, a correlation key or sku`,
        });
      }
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: ['cart_id'],
      message: 'needs cart_id or a correlation key (order_id, payment_id, shipment_id)',
    });
  });

export type WireEvent = z.infer<typeof wireEvent>;

export interface EventIssue {
  index: number;
  path: string;
  message: string;
}

export type EventValidation = { ok: true; events: NewEvent[] } | { ok: false; issues: EventIssue[] };

/** Validates a batch as a whole: every problem of every event is listed, and any problem rejects the batch. */
export function validateEvents(items: readonly unknown[]): EventValidation {
  const events: NewEvent[] = [];
  const issues: EventIssue[] = [];
  items.forEach((item, index) => {
    const result = wireEvent.safeParse(item);
    if (result.success) {
      events.push({ event: toCartEvent(result.data), raw: JSON.stringify(item) });
      return;
    }
    for (const issue of result.error.issues) issues.push(...describeIssue(index, issue));
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, events };
}

function describeIssue(index: number, issue: z.core.$ZodIssue): EventIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      index,
      path: formatPath([...issue.path, key]),
      message: `unknown field "${key}"; put extra data in attributes`,
    }));
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    return [{ index, path: '', message: 'each event must be a JSON object' }];
  }
  return [{ index, path: formatPath(issue.path), message: issue.message }];
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function toCartEvent(wire: WireEvent): CartEvent {
  const event: CartEvent = {
    id: wire.id,
    stage: wire.stage,
    step: wire.step,
    status: wire.status,
    occurredAt: Date.parse(wire.occurred_at),
    source: wire.source,
  };
  if (wire.cart_id !== undefined) event.cartId = wire.cart_id;
  if (wire.order_id !== undefined) event.orderId = wire.order_id;
  if (wire.payment_id !== undefined) event.paymentId = wire.payment_id;
  if (wire.shipment_id !== undefined) event.shipmentId = wire.shipment_id;
  if (wire.run_id !== undefined) event.runId = wire.run_id;
  if (wire.amount !== undefined) event.amount = wire.amount;
  if (wire.error !== undefined) event.error = wire.error;
  if (wire.sku !== undefined) event.sku = wire.sku;
  if (wire.owner !== undefined) event.owner = wire.owner;
  if (wire.attributes !== undefined) event.attributes = wire.attributes;
  return event;
}
