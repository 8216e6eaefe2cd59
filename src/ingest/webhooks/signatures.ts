import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../auth.js';

/** Shopify: X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the raw body; compared as bytes. */
export function shopifySignatureValid(body: Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined || !/^[A-Za-z0-9+/]+=*$/.test(header)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return constantTimeEqual(Buffer.from(header, 'base64'), expected);
}

/**
 * Stripe: `t=<unix>,v1=<hex>[,v1=…]`, v1 = hex HMAC-SHA256 of "t.body". Any v1 may match (secrets
 * being rolled send several); the timestamp must be within the tolerance, against replays.
 */
export function stripeSignatureValid(
  body: Buffer,
  header: string | undefined,
  secret: string,
  options: { nowMs: number; toleranceSeconds: number },
): { ok: true } | { ok: false; reason: string } {
  if (header === undefined) return { ok: false, reason: 'no Stripe-Signature header' };
  const parts = header.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]);
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  const signatures = parts
    .filter(([key, value]) => key === 'v1' && value !== undefined)
    .map(([, value]) => value as string);
  if (!Number.isInteger(timestamp) || signatures.length === 0)
    return { ok: false, reason: 'Stripe-Signature is malformed' };
  if (Math.abs(options.nowMs / 1000 - timestamp) > options.toleranceSeconds) {
    return { ok: false, reason: 'Stripe-Signature timestamp is outside the tolerance' };
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return signatures.some((signature) => constantTimeEqual(signature, expected))
    ? { ok: true }
    : { ok: false, reason: 'no v1 signature matches' };
}
