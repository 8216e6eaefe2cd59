/**
 * Slack's message text as a Slack client shows it: mrkdwn's `*bold*`, `_italic_`, `~strike~` and
 * `` `code` ``, and the tokens `<!date^…>` (in the reader's own time zone), `<@U…>`, `<#C…>`,
 * `<!subteam^…>`, `<!here>` and links, each as a name or a label. Pure, so it is tested here and
 * shipped to the sandbox page as is (page-script.ts injects these functions by their source):
 * keep them free of imports and of anything outside their own bodies.
 */

export interface SlackNames {
  channels: Record<string, string>;
  groups: Record<string, string>;
  people: Record<string, string>;
}

/** A run of text with one style; `href` for a link. The page builds nodes from these, never HTML. */
export interface TextRun {
  text: string;
  style?: 'bold' | 'italic' | 'strike' | 'code' | 'mention';
  href?: string;
}

export interface ReaderClock {
  now: number;
  /** The reader's zone; their own when absent. */
  timeZone?: string;
}

export function slackRuns(mrkdwn: string, names: SlackNames, clock: ReaderClock): TextRun[] {
  const runs: TextRun[] = [];
  // Styles open and close at word edges, as Slack's do: `cart_8842 · api_error` has no italics.
  const pattern =
    /<([^<>\n]+)>|`([^`\n]+)`|(?<![\w*])\*([^*\n]+)\*(?!\w)|(?<![\w_])_([^_\n]+)_(?!\w)|(?<![\w~])~([^~\n]+)~(?!\w)/g;
  const decode = (raw: string) => raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  // Inside a style, tokens are read as text (a date in bold is still a date).
  const plain = (raw: string) =>
    decode(raw.replace(/<([^<>\n]+)>/g, (_whole, token: string) => slackToken(token, names, clock).text));
  let at = 0;
  for (const match of String(mrkdwn ?? '').matchAll(pattern)) {
    const index = match.index ?? 0;
    if (index > at) runs.push({ text: decode(mrkdwn.slice(at, index)) });
    const [, token, code, bold, italic, strike] = match;
    if (token !== undefined) runs.push(slackToken(token, names, clock));
    else if (code !== undefined) runs.push({ text: decode(code), style: 'code' });
    else if (bold !== undefined) runs.push({ text: plain(bold), style: 'bold' });
    else if (italic !== undefined) runs.push({ text: plain(italic), style: 'italic' });
    else if (strike !== undefined) runs.push({ text: plain(strike), style: 'strike' });
    at = index + match[0].length;
  }
  if (at < mrkdwn.length) runs.push({ text: decode(mrkdwn.slice(at)) });
  return runs;
}

/** Plain text of mrkdwn (for labels and notifications). */
export function slackPlain(mrkdwn: string, names: SlackNames, clock: ReaderClock): string {
  return slackRuns(mrkdwn, names, clock)
    .map((run) => run.text)
    .join('');
}

/** One `<…>` token: a date, a mention, a channel, a special mention or a link. */
export function slackToken(token: string, names: SlackNames, clock: ReaderClock): TextRun {
  const bar = token.indexOf('|');
  const body = bar === -1 ? token : token.slice(0, bar);
  const label = bar === -1 ? undefined : token.slice(bar + 1);
  if (body.startsWith('!date^')) {
    const [, seconds, format = '', link] = body.split('^');
    const ms = Number(seconds) * 1000;
    if (!Number.isFinite(ms)) return { text: label ?? token };
    const text = slackDateText(ms, format, clock);
    return link ? { text, href: link } : { text };
  }
  if (body.startsWith('!subteam^')) {
    const id = body.slice('!subteam^'.length);
    return { text: `@${names.groups[id] ?? label?.replace(/^@/, '') ?? id}`, style: 'mention' };
  }
  if (body.startsWith('!')) return { text: `@${label ?? body.slice(1)}`, style: 'mention' };
  if (body.startsWith('@')) {
    const id = body.slice(1);
    const name = names.people[id]?.split(' ')[0] ?? label ?? id;
    return { text: `@${name}`, style: 'mention' };
  }
  if (body.startsWith('#')) {
    const id = body.slice(1);
    return { text: `#${names.channels[id] ?? label ?? id}`, style: 'mention' };
  }
  return { text: label ?? body, href: body };
}

/** `<!date^…>`'s format, as Slack fills it in: {date_short_pretty}, {time}, {ago} and the rest. */
export function slackDateText(ms: number, format: string, clock: ReaderClock): string {
  const zone = clock.timeZone === undefined ? {} : { timeZone: clock.timeZone };
  const day = (at: number) => {
    const parts = new Intl.DateTimeFormat('en-US', {
      ...zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
      .formatToParts(at)
      .reduce<Record<string, string>>((all, part) => Object.assign(all, { [part.type]: part.value }), {});
    return `${parts.year}-${parts.month}-${parts.day}`;
  };
  const ordinal = (n: number) => {
    const tens = n % 100;
    const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
    return `${n}${suffix}`;
  };
  const written = (options: Intl.DateTimeFormatOptions) => {
    const parts = new Intl.DateTimeFormat('en-US', { ...zone, ...options })
      .formatToParts(ms)
      .reduce<Record<string, string>>((all, part) => Object.assign(all, { [part.type]: part.value }), {});
    const weekday = parts.weekday ? `${parts.weekday}, ` : '';
    const date = options.month === 'short' ? parts.day : ordinal(Number(parts.day));
    return `${weekday}${parts.month} ${date}, ${parts.year}`;
  };
  const pretty = (fallback: string) => {
    const oneDay = 86_400_000;
    const that = day(ms);
    if (that === day(clock.now)) return 'Today';
    if (that === day(clock.now - oneDay)) return 'Yesterday';
    if (that === day(clock.now + oneDay)) return 'Tomorrow';
    return fallback;
  };
  const time = (seconds: boolean) =>
    new Intl.DateTimeFormat('en-US', {
      ...zone,
      hour: 'numeric',
      minute: '2-digit',
      ...(seconds && { second: '2-digit' }),
    }).format(ms);
  const ago = () => {
    const past = clock.now - ms;
    const span = Math.abs(past);
    const units: [string, number][] = [
      ['year', 365 * 86_400_000],
      ['month', 30 * 86_400_000],
      ['day', 86_400_000],
      ['hour', 3_600_000],
      ['minute', 60_000],
    ];
    const found = units.find(([, size]) => span >= size);
    if (found === undefined) return past >= 0 ? 'just now' : 'in a moment';
    const count = Math.floor(span / found[1]);
    const words = `${count} ${found[0]}${count === 1 ? '' : 's'}`;
    return past >= 0 ? `${words} ago` : `in ${words}`;
  };
  const fill: Record<string, () => string> = {
    date_num: () => day(ms),
    date: () => written({ year: 'numeric', month: 'long', day: 'numeric' }),
    date_short: () => written({ year: 'numeric', month: 'short', day: 'numeric' }),
    date_long: () => written({ year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' }),
    date_pretty: () => pretty(written({ year: 'numeric', month: 'long', day: 'numeric' })),
    date_short_pretty: () => pretty(written({ year: 'numeric', month: 'short', day: 'numeric' })),
    date_long_pretty: () =>
      pretty(written({ year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' })),
    time: () => time(false),
    time_secs: () => time(true),
    ago,
  };
  return format.replace(/\{([a-z_]+)\}/g, (whole, name: string) => fill[name]?.() ?? whole);
}
