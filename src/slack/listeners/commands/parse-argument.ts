import { unknownStageMessage } from '../../../config/suggest.js';
import { STAGES, type Stage } from '../../../domain/event.js';
import { MAX_TREND_DAYS } from '../../../services/trends.js';
import { escapeMrkdwn } from '../../blocks/text.js';

export type CartStatusArgument =
  | { type: 'overview' }
  | { type: 'trends'; days: number; stage?: Stage; step?: string }
  | { type: 'help' }
  | { type: 'mine' }
  | { type: 'silences' }
  | { type: 'id'; id: string }
  /** `usage`: what the subcommand takes, when the mistake was in one (else: what an id looks like). */
  | { type: 'invalid'; reason: string; usage?: string };

// A pasted link may arrive in Slack's link markup, `<https://…>` or `<https://…|label>`.
const LINK = /^<(https?:\/\/[^|<>\s]+)(?:\|[^<>]*)?>$/i;

/**
 * The command's text, trimmed and checked once: anything else gets a reply, never a lookup. What
 * the id stands for (an admin URL, a `#1001` order name) is read by the service, for HTTP alike.
 */
export function parseCartStatusArgument(text: string | undefined): CartStatusArgument {
  // Slack escapes &, < and > in command text; ids are looked up as the producer sent them.
  const unescaped = (text ?? '')
    .trim()
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
  const trimmed = LINK.exec(unescaped)?.[1] ?? unescaped;
  if (trimmed === '') return { type: 'overview' };
  const lower = trimmed.toLowerCase();
  if (lower === 'help' || lower === '?') return { type: 'help' };
  if (lower === 'mine') return { type: 'mine' };
  if (lower === 'silences') return { type: 'silences' };
  const [first = '', ...rest] = trimmed.split(/\s+/);
  if (first.toLowerCase() === 'trends') return parseTrends(rest);
  if (trimmed.length > 200)
    return { type: 'invalid', reason: `That is ${trimmed.length} characters: no id is that long.` };
  if (/\s/.test(trimmed)) return { type: 'invalid', reason: 'Give one id at a time.' };
  if (trimmed.startsWith('<'))
    return { type: 'invalid', reason: 'That looks like a mention or a link, not an id.' };
  return { type: 'id', id: trimmed };
}

const DEFAULT_TREND_DAYS = 7;
const TRENDS_USAGE =
  'Usage: `/cart-status trends [stage|stage.step] [--days N]`, e.g. `trends payment.authorize --days 28`.';
// Slack's clients may turn `--` into a dash (`—days`): any run of dashes introduces the option.
const DAYS_OPTION = /^[-‐‑‒–—―]+days(?:=(.*))?$/i;
const OPTION = /^[-‐‑‒–—―]/;

function badTrends(reason: string): CartStatusArgument {
  return { type: 'invalid', reason, usage: TRENDS_USAGE };
}

/** `trends [stage|stage.step] [--days N]`. */
function parseTrends(words: readonly string[]): CartStatusArgument {
  let days = DEFAULT_TREND_DAYS;
  let scope: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const option = DAYS_OPTION.exec(word);
    if (option) {
      const value = option[1] ?? words[++i];
      if (
        value === undefined ||
        !/^\d+$/.test(value) ||
        Number(value) < 1 ||
        Number(value) > MAX_TREND_DAYS
      ) {
        const given = value === undefined ? '' : `, not \`${escapeMrkdwn(value.slice(0, 40))}\``;
        return badTrends(`\`--days\` takes a whole number of days from 1 to ${MAX_TREND_DAYS}${given}.`);
      }
      days = Number(value);
    } else if (OPTION.test(word)) {
      return badTrends(
        `\`${escapeMrkdwn(word.slice(0, 40))}\` is not an option of trends; it takes \`--days N\`.`,
      );
    } else if (scope === undefined) {
      scope = word;
    } else return badTrends('Give one stage or stage.step at a time.');
  }
  return scope === undefined ? { type: 'trends', days } : trendsOf(scope, days);
}

/** `payment` or `payment.authorize`: a known stage, and a step as events name it. */
function trendsOf(scope: string, days: number): CartStatusArgument {
  const dot = scope.indexOf('.');
  const stage = dot === -1 ? scope : scope.slice(0, dot);
  const step = dot === -1 ? undefined : scope.slice(dot + 1);
  if (!isStage(stage)) return badTrends(`${escapeMrkdwn(unknownStageMessage(stage.slice(0, 40)))}.`);
  if (step !== undefined && (step === '' || step.length > 100))
    return badTrends('A step is named after its stage and a dot, e.g. `payment.authorize`.');
  return { type: 'trends', days, stage, ...(step !== undefined && { step }) };
}

function isStage(word: string): word is Stage {
  return (STAGES as readonly string[]).includes(word);
}
