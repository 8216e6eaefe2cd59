import type { Money } from '../domain/event.js';
import { minorDigits } from '../domain/money.js';
import { percent } from '../domain/rates.js';
import { sparkline, type TrendFacts } from '../domain/trends.js';
import { formatDuration, formatMoney, mask } from '../slack/blocks/text.js';
import { roughDuration } from '../slack/blocks/trend-lines.js';

/** What `cartwatch report` writes: the trend figures for a weekly review, as Markdown or CSV. */
export type ReportFormat = 'md' | 'csv';

const rate = (failures: number, attempts: number) => (attempts === 0 ? '—' : percent(failures / attempts));
const time = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
const money = (amounts: readonly Money[]) =>
  amounts.map((m) => formatMoney(m.value, m.currency)).join(' + ') || '—';
const count = (n: number) => n.toLocaleString('en-US');

function title(facts: TrendFacts): string {
  const days = facts.days.length;
  const whose = facts.scope.team === undefined ? 'all teams' : `team ${facts.scope.team}`;
  const scope =
    facts.scope.stage === undefined
      ? ''
      : `, ${facts.scope.stage}${facts.scope.step ? `.${facts.scope.step}` : ''}`;
  return `last ${days === 1 ? 'day' : `${days} days`} (${facts.days[0]} – ${facts.days[days - 1]}, ${facts.zone}), ${whose}${scope}`;
}

/** Event text in a table cell: masked like Slack's, and unable to break the table or format itself. */
function cell(text: string): string {
  return mask(text)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\\|*_`[\]<>~]/g, (c) => `\\${c}`);
}

function table(head: string[], align: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

export function reportMarkdown(facts: TrendFacts): string {
  const days = facts.days.length;
  const x = facts.exceptions;
  const lines = [
    `# Cartwatch report: ${cell(title(facts))}`,
    '',
    `Against the ${days === 1 ? 'day' : `${days} days`} before; today so far included. Failure rate: failed of succeeded + failed. ` +
      'A trend is a change of a fifth or more that the numbers make clear.' +
      (facts.countingSince === undefined
        ? ''
        : ` Counting began ${new Date(facts.countingSince).toISOString()}: days before show nothing.`),
    '',
    '## Failure rate by step',
    '',
    ...table(
      ['Step', 'Attempts', 'Failed', 'Rate', 'Before', 'Trend', 'By day', 'Stalls', 'Suppressed'],
      ['---', '--:', '--:', '--:', '--:', '---', '---', '--:', '--:'],
      facts.steps.map((s) => [
        cell(`${s.stage}.${s.step}`),
        count(s.attempts.now),
        count(s.failures.now),
        rate(s.failures.now, s.attempts.now),
        rate(s.failures.before, s.attempts.before),
        s.trend,
        sparkline(s.daily),
        count(s.stalls.now),
        count(s.suppressed),
      ]),
    ),
    '',
    '## Time through each stage',
    '',
    ...table(
      ['Stage', 'Carts', 'Median', 'Before', 'Trend'],
      ['---', '--:', '--:', '--:', '---'],
      facts.stages.map((s) => [
        s.stage,
        count(s.carts.now),
        roughDuration(s.medianMs.now),
        roughDuration(s.medianMs.before),
        s.trend,
      ]),
    ),
    '',
    '## Noisiest error codes',
    '',
    ...table(
      ['Code', 'Failures', 'Before', 'Mostly at'],
      ['---', '--:', '--:', '---'],
      facts.errors.map((e) => [
        e.code === '' ? '(no code)' : cell(e.code),
        count(e.failures.now),
        count(e.failures.before),
        cell(e.where),
      ]),
    ),
    '',
    '## Exceptions',
    '',
    ...table(
      ['', 'This period', 'Before'],
      ['---', '--:', '--:'],
      [
        ['Raised', count(x.opened.now), count(x.opened.before)],
        ['Median time to acknowledge', time(x.medianAckMs.now), time(x.medianAckMs.before)],
        ['Median time to resolve', time(x.medianResolveMs.now), time(x.medianResolveMs.before)],
        ['Value at risk', money(x.valueAtRisk), ''],
        ['Recovered by a later success', money(x.recovered), ''],
      ],
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * RFC 4180, and a text cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`) starts with
 * an apostrophe: step names and error codes come from events.
 */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const ratio = (failures: number, attempts: number) =>
  attempts === 0 ? null : Math.round((failures / attempts) * 1e6) / 1e6;
/** 12999 USD → "129.99": the amount in the currency's own unit, as a spreadsheet reads a number. */
const major = (m: Money) => (m.value / 10 ** minorDigits(m.currency)).toFixed(minorDigits(m.currency));
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));

/** One figure a row (section, subject, figure, this period, before, trend): ready for a pivot table. */
export function reportCsv(facts: TrendFacts): string {
  type Row = [string, string, string, string | number | null, string | number | null, string];
  const rows: Row[] = [];
  for (const s of facts.steps) {
    const subject = mask(`${s.stage}.${s.step}`);
    rows.push([
      'step',
      subject,
      'failure_rate',
      ratio(s.failures.now, s.attempts.now),
      ratio(s.failures.before, s.attempts.before),
      s.trend,
    ]);
    rows.push(['step', subject, 'attempts', s.attempts.now, s.attempts.before, '']);
    rows.push(['step', subject, 'failures', s.failures.now, s.failures.before, '']);
    rows.push(['step', subject, 'stalls', s.stalls.now, s.stalls.before, '']);
    rows.push(['step', subject, 'suppressed', s.suppressed, null, '']);
    s.daily.forEach((value, i) => {
      rows.push([
        'step',
        subject,
        `failure_rate_on_${facts.days[i]}`,
        value === null ? null : Math.round(value * 1e6) / 1e6,
        null,
        '',
      ]);
    });
  }
  for (const s of facts.stages) {
    rows.push([
      'stage',
      s.stage,
      'median_seconds',
      seconds(s.medianMs.now),
      seconds(s.medianMs.before),
      s.trend,
    ]);
    rows.push(['stage', s.stage, 'carts', s.carts.now, s.carts.before, '']);
  }
  for (const e of facts.errors)
    rows.push(['error_code', mask(e.code), 'failures', e.failures.now, e.failures.before, '']);
  const x = facts.exceptions;
  rows.push(['exceptions', 'all', 'raised', x.opened.now, x.opened.before, '']);
  rows.push([
    'exceptions',
    'all',
    'median_seconds_to_acknowledge',
    seconds(x.medianAckMs.now),
    seconds(x.medianAckMs.before),
    '',
  ]);
  rows.push([
    'exceptions',
    'all',
    'median_seconds_to_resolve',
    seconds(x.medianResolveMs.now),
    seconds(x.medianResolveMs.before),
    '',
  ]);
  for (const m of x.valueAtRisk) rows.push(['exceptions', m.currency, 'value_at_risk', major(m), null, '']);
  for (const m of x.recovered) rows.push(['exceptions', m.currency, 'recovered', major(m), null, '']);
  const header = 'section,subject,figure,this_period,before,trend';
  return `${[header, ...rows.map((row) => row.map(csvCell).join(','))].join('\r\n')}\r\n`;
}
