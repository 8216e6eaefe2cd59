import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SANDBOX_PAGE } from '../../src/sandbox/page.js';
import { slackDateText, slackPlain, slackRuns } from '../../src/sandbox/slack-text.js';

const names = {
  channels: { C0PAYMENTS: 'payments' },
  groups: { S0PAYTEAM: 'payments-team' },
  people: { U0ANNA: 'Anna (payments)' },
};
// A reader in Kolkata (UTC+05:30, no summer time), at 2026-11-27 12:00 UTC.
const NOW = Date.parse('2026-11-27T12:00:00Z');
const reader = { now: NOW, timeZone: 'Asia/Kolkata' };
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
// Some ICU versions put a narrow no-break space before AM/PM; a reader sees a space either way.
const seen = (text: string) => text.replaceAll('\u202f', ' ');

describe("Slack's text in the sandbox", () => {
  it('when a message carries a date token, then the reader sees it in their own time, as Slack fills in its format', () => {
    const token = `<!date^${at('2026-11-27T09:14:03Z')}^{date_short_pretty} {time_secs}|2026-11-27T09:14:03.000Z>`;
    expect(seen(slackPlain(`First seen ${token}`, names, reader))).toBe('First seen Today 2:44:03 PM');
    const ms = Date.parse('2026-11-26T09:14:03Z');
    expect(seen(slackDateText(ms, '{date_pretty} at {time}', reader))).toBe('Yesterday at 2:44 PM');
    expect(slackDateText(ms, '{date_num}', reader)).toBe('2026-11-26');
    expect(slackDateText(ms, '{date}', reader)).toBe('November 26th, 2026');
    expect(slackDateText(ms, '{date_short}', reader)).toBe('Nov 26, 2026');
    expect(slackDateText(ms, '{date_long}', reader)).toBe('Thursday, November 26th, 2026');
    expect(slackDateText(Date.parse('2026-11-22T09:00:00Z'), '{date_short_pretty}', reader)).toBe(
      'Nov 22, 2026',
    );
    expect(slackDateText(NOW - 3 * 60_000, '{ago}', reader)).toBe('3 minutes ago');
    // Past midnight in Kolkata it is already the next day there.
    expect(slackDateText(Date.parse('2026-11-27T19:00:00Z'), '{date_pretty}', reader)).toBe('Tomorrow');
  });

  it('when a message names channels, people and user groups, then the reader sees their names', () => {
    const text =
      'Reassigned to <#C0PAYMENTS> by <@U0ANNA> for <!subteam^S0PAYTEAM> and <@U0NOBODY> in <#C0ELSE|ops>';
    expect(slackPlain(text, names, reader)).toBe(
      'Reassigned to #payments by @Anna for @payments-team and @U0NOBODY in #ops',
    );
    expect(slackRuns('<@U0ANNA>', names, reader)).toEqual([{ text: '@Anna', style: 'mention' }]);
  });

  it('when text is styled or escaped, then styles become runs and escaped text stays text', () => {
    expect(slackRuns('*Cart* `cart_1` _late_ ~gone~ <https://example.com|docs>', names, reader)).toEqual([
      { text: 'Cart', style: 'bold' },
      { text: ' ' },
      { text: 'cart_1', style: 'code' },
      { text: ' ' },
      { text: 'late', style: 'italic' },
      { text: ' ' },
      { text: 'gone', style: 'strike' },
      { text: ' ' },
      { text: 'docs', href: 'https://example.com' },
    ]);
    // Underscores inside words are not italics.
    expect(slackPlain('cart cart_keys · api_connection_error', names, reader)).toBe(
      'cart cart_keys · api_connection_error',
    );
    // What an event carried arrives escaped: it reads as the characters, and never as a mention.
    expect(slackRuns('&lt;!channel&gt; &amp; co', names, reader)).toEqual([{ text: '<!channel> & co' }]);
  });

  it('when the page is served, then its script is valid JavaScript with the same text rules inside', () => {
    const script = /<script>([\s\S]*)<\/script>/.exec(SANDBOX_PAGE)?.[1] ?? '';
    expect(() => new vm.Script(script)).not.toThrow();
    expect(script).toContain('function slackRuns(');
    expect(SANDBOX_PAGE).not.toContain('innerHTML');
  });
});
