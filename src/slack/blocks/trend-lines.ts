import type { Money } from '../../domain/event.js';
import { percent } from '../../domain/rates.js';
import {
  type ErrorTrend,
  type ExceptionTrend,
  type StageTrend,
  type StepTrend,
  sparkline,
  type TrendFacts,
  type TrendWord,
} from '../../domain/trends.js';
import { sections } from './status/pack.js';
import { formatDuration, formatMoney, safe, slackDate } from './text.js';

/** Steps beyond this many are counted, not listed: a reply stays well inside Slack's limits. */
const MAX_STEPS = 30;

const WORDS: Record<TrendWord, string> = {
  worse: '🔺 *worse*',
  improving: '🔻 _improving_',
  steady: 'steady',
};

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

function money(amounts: readonly Money[]): string {
  return amounts.map((m) => formatMoney(m.value, m.currency)).join(' + ') || '—';
}

function rateOf(failures: number, attempts: number): string {
  return attempts === 0 ? '—' : percent(failures / attempts);
}

/** "*payment.authorize* 2.1% of 14,210 (1.4% of 13,900 before) `▁▂▃▅▂▁▁` 🔺 *worse* · 12 stalls". */
export function stepLine(s: StepTrend): string {
  const before =
    s.attempts.before === 0 ? 'none before' : `${rateOf(s.failures.before, s.attempts.before)} before`;
  const extras = [
    s.stalls.now + s.stalls.before > 0
      ? `${count(s.stalls.now)} stall${s.stalls.now === 1 ? '' : 's'} (${count(s.stalls.before)} before)`
      : '',
    s.suppressed > 0 ? `${count(s.suppressed)} suppressed` : '',
  ].filter(Boolean);
  const figures =
    s.attempts.now === 0
      ? 'no attempts'
      : `${rateOf(s.failures.now, s.attempts.now)} failed of ${count(s.attempts.now)}`;
  return [
    `*${safe(`${s.stage}.${s.step}`, 110)}* ${figures} (${before}) \`${sparkline(s.daily)}\` ${WORDS[s.trend]}`,
    ...extras,
  ].join(' · ');
}

/**
 * A median read from buckets (good to about a tenth), rounded so it claims no more than that:
 * 7m 49s reads "7m 50s", 1h 34m "1h 35m".
 */
export function roughDuration(ms: number | null): string {
  if (ms === null) return '—';
  const step = ms >= 3_600_000 ? 300_000 : ms >= 600_000 ? 60_000 : ms >= 60_000 ? 10_000 : 1000;
  return formatDuration(Math.round(ms / step) * step);
}

/** "*payment* median 2m (1m 30s before) · 3,100 carts · steady". */
export function stageLine(s: StageTrend): string {
  const time = roughDuration;
  return `*${s.stage}* median ${time(s.medianMs.now)} (${time(s.medianMs.before)} before) · ${count(s.carts.now)} carts · ${WORDS[s.trend]}`;
}

export function errorLine(e: ErrorTrend): string {
  const code = e.code === '' ? '(no code)' : `\`${safe(e.code, 80)}\``;
  return `${code} ${count(e.failures.now)} (${count(e.failures.before)} before) · mostly ${safe(e.where, 110)}`;
}

export function exceptionLines(x: ExceptionTrend): string[] {
  const time = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
  return [
    `*Exceptions raised:* ${count(x.opened.now)} (${count(x.opened.before)} before)`,
    `*Value at risk:* ${money(x.valueAtRisk)} · *recovered* by a later success: ${money(x.recovered)}`,
    `*Median time to acknowledge:* ${time(x.medianAckMs.now)} (${time(x.medianAckMs.before)} before) · *to resolve:* ${time(x.medianResolveMs.now)} (${time(x.medianResolveMs.before)} before)`,
  ];
}

/** "Stalls piled up at: `fulfillment.pick` 31, `payment.capture` 12". */
export function stallsLine(facts: TrendFacts): string | undefined {
  const piled = facts.steps
    .filter((s) => s.stalls.now > 0)
    .sort((a, b) => b.stalls.now - a.stalls.now)
    .slice(0, 3)
    .map((s) => `\`${safe(`${s.stage}.${s.step}`, 110)}\` ${count(s.stalls.now)}`);
  return piled.length > 0 ? `*Stalls piled up at:* ${piled.join(', ')}` : undefined;
}

type Block = Record<string, unknown>;

/** A titled list as section blocks, whole lines under Slack's limits; lines past the cap counted. */
export function listSections(
  title: string,
  lines: readonly string[],
  empty: string,
  max = MAX_STEPS,
): Block[] {
  const shown = lines.length > max ? [...lines.slice(0, max), `_…and ${lines.length - max} more_`] : lines;
  return sections(shown.length > 0 ? shown : [empty]).map((text, i) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: i === 0 ? `*${title}*\n${text}` : text },
  }));
}

/** The figures every trend message shows: steps, stages, error codes, exceptions. */
export function trendSections(facts: TrendFacts): Block[] {
  const stalls = stallsLine(facts);
  return [
    ...listSections('Failure rate by step', facts.steps.map(stepLine), 'No attempts in these days.'),
    ...listSections(
      'Time through each stage (to the hand-off to the next)',
      facts.stages.map(stageLine),
      'No cart moved from one stage to the next in these days.',
    ),
    ...listSections('Noisiest error codes', facts.errors.map(errorLine), 'No failures.'),
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [...exceptionLines(facts.exceptions), ...(stalls ? [stalls] : [])].join('\n'),
      },
    },
  ];
}

/**
 * "2026-11-25 – 2026-12-01 (Europe/Berlin), against the 7 days before", and when counting began
 * if the days before it show nothing because of that.
 */
export function periodWords(facts: TrendFacts): string {
  const first = facts.days[0] ?? '';
  const last = facts.days[facts.days.length - 1] ?? '';
  const days = facts.days.length;
  const since =
    facts.countingSince === undefined
      ? ''
      : ` (counting began ${slackDate(facts.countingSince)}: days before show nothing)`;
  return `${first} – ${last} (${facts.zone}), against the ${days === 1 ? 'day' : `${days} days`} before${since}`;
}
