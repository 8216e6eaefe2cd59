import { minorDigits } from '../../domain/money.js';
import { SLA_EXCEEDED } from '../../domain/sweep-rules.js';

/**
 * Outside text made safe for Slack mrkdwn: `&`, `<` and `>` escaped so event data can never
 * ping (`<!channel>`, `<@U…>`) or forge a link, and card numbers and e-mail addresses masked.
 */
export function safe(text: string, maxLength = 500): string {
  const escaped = escapeMrkdwn(mask(text));
  if (escaped.length <= maxLength) return escaped;
  // Cut after escaping (escaping can grow text fivefold), never through the middle of an entity.
  return `${escaped.slice(0, maxLength - 1).replace(/&[a-z]*$/, '')}…`;
}

/** Outside text for plain_text fields (headers, modal text): nothing formats there, but it is masked. */
export function plain(text: string, maxLength: number): string {
  return truncate(mask(text), maxLength);
}

export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

// 13–19 digits, optionally grouped by spaces or dashes: the shape of a payment card number.
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Bidirectional overrides can make text read differently from what it says.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

export function mask(text: string): string {
  return text
    .replace(BIDI_CONTROLS, '')
    .replace(CARD, (match) => {
      const digits = match.replace(/\D/g, '');
      // Only numbers that pass the card checksum: long order ids mostly do not.
      return passesLuhn(digits) ? `•••• ${digits.slice(-4)}` : match;
    })
    .replace(EMAIL, (email) => `${email[0]}•••@${email.split('@')[1]}`);
}

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

/** Minor units as money: 12999 USD → "USD 129.99", 1000 JPY → "JPY 1000", 12345 KWD → "KWD 12.345". */
export function formatMoney(value: number, currency: string): string {
  const digits = minorDigits(currency);
  return `${currency} ${(value / 10 ** digits).toFixed(digits)}`;
}

/** A Slack date token: shown in each reader's own time zone, with a UTC fallback. */
export function slackDate(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time_secs}|${new Date(ms).toISOString()}>`;
}

export function userMention(userId: string): string {
  return `<@${userId}>`;
}

/** A configured mention: a user group (S…) or a user (U…, W…). Ids come from config, never from events. */
export function mentionOf(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : userMention(id);
}

/** 90000 → "1m 30s"; 3_600_000 → "1h"; 93_600_000 → "1d 2h". */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms));
  for (const [unit, size] of units) {
    if (rest < size || parts.length === 2) continue;
    parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}

/** Why an exception of this kind resolved itself, in words. */
export function autoResolutionReason(exception: { kind: string; errorCode?: string }): string {
  if (exception.kind === 'backlog') return 'the backlog drained';
  if (exception.kind === 'silent_source') return 'the source is sending again';
  if (exception.kind === 'rate') return 'the failure rate stayed below its lower level for a whole window';
  if (exception.kind === 'stalled' && exception.errorCode === SLA_EXCEEDED) return 'the cart moved on';
  if (exception.kind === 'stalled') return 'the expected step arrived';
  return 'a later step of this cart succeeded';
}
