export type CartStatusArgument =
  | { type: 'overview' }
  | { type: 'help' }
  | { type: 'mine' }
  | { type: 'silences' }
  | { type: 'id'; id: string }
  | { type: 'invalid'; reason: string };

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
  if (trimmed.length > 200)
    return { type: 'invalid', reason: `That is ${trimmed.length} characters: no id is that long.` };
  if (/\s/.test(trimmed)) return { type: 'invalid', reason: 'Give one id at a time.' };
  if (trimmed.startsWith('<'))
    return { type: 'invalid', reason: 'That looks like a mention or a link, not an id.' };
  return { type: 'id', id: trimmed };
}
