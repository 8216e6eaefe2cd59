import type { ExceptionSummary } from '../../domain/trends.js';

/**
 * An exception as trends read it, as an array rather than an object (a bad week is thousands of rows,
 * and building objects is most of their cost): first_seen_at, cart_id, amount_value, amount_currency,
 * acknowledged_at, resolved_at, resolution.
 */
export type TrendExceptionColumns = [
  number,
  string | null,
  number | null,
  string | null,
  number | null,
  number | null,
  string | null,
];

/** The columns in that order, for either store's SELECT. */
export const TREND_EXCEPTION_COLUMNS = [
  'first_seen_at',
  'cart_id',
  'amount_value',
  'amount_currency',
  'acknowledged_at',
  'resolved_at',
  'resolution',
] as const;

export function toExceptionSummary([
  firstSeenAt,
  cartId,
  value,
  currency,
  acknowledgedAt,
  resolvedAt,
  resolution,
]: TrendExceptionColumns): ExceptionSummary {
  const summary: ExceptionSummary = { firstSeenAt };
  if (cartId !== null) summary.cartId = cartId;
  if (value !== null && currency !== null) summary.amount = { value, currency };
  if (acknowledgedAt !== null) summary.acknowledgedAt = acknowledgedAt;
  if (resolvedAt !== null) summary.resolvedAt = resolvedAt;
  if (resolution === 'manual' || resolution === 'auto') summary.resolution = resolution;
  return summary;
}
