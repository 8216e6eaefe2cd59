import { percent, type RateFigures } from '../../domain/rates.js';
import { formatDuration, formatMoney, safe } from './text.js';

type Field = { type: 'mrkdwn'; text: string };

const field = (label: string, value: string): Field => ({ type: 'mrkdwn', text: `*${label}*\n${value}` });

/**
 * What a `rate` exception's message shows instead of one cart's facts: failures against attempts,
 * the rate against its threshold and baseline, the top error codes, a few carts and their value.
 */
export function rateFields(figures: RateFigures): Field[] {
  const codes = figures.topCodes.map((c) => `\`${safe(c.code || 'no code', 60)}\` ${c.count}`).join(', ');
  const carts = figures.sampleCarts.map((c) => `\`${safe(c, 80)}\``).join(', ');
  const more = figures.moreCarts > 0 ? ` and ${figures.moreCarts} more` : '';
  const value = figures.valueAtRisk.map((m) => formatMoney(m.value, m.currency)).join(' + ');
  return [
    field(
      'Failures',
      `${figures.failures} of ${figures.attempts} attempts in the last ${formatDuration(figures.windowMs)}`,
    ),
    field('Rate', `${percent(figures.rate)} against ${thresholdText(figures)}`),
    field('Top errors', codes || '—'),
    field('Carts', carts ? `${carts}${more}` : '—'),
    field('Value at risk', value || '—'),
  ];
}

/** "20%", or with a baseline "20% (baseline 8% × 2 = 16%)"; the higher of the two is what counts. */
function thresholdText(figures: RateFigures): string {
  const limit = `${percent(figures.threshold)}`;
  if (figures.baseline === undefined) return `the ${limit} threshold`;
  const { rate, factor } = figures.baseline;
  return `${limit}: the higher of ${percent(figures.above)} and the last 7 days' ${percent(rate)} × ${factor}`;
}
