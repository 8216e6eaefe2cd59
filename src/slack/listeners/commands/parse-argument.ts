export type CartStatusArgument =
  | { type: 'overview' }
  | { type: 'help' }
  | { type: 'mine' }
  | { type: 'id'; id: string }
  | { type: 'invalid'; reason: string };

const ID = /^[A-Za-z0-9_\-.:/#]{1,200}$/;

/** The command's text, trimmed and checked once: anything else gets a reply, never a lookup. */
export function parseCartStatusArgument(text: string | undefined): CartStatusArgument {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { type: 'overview' };
  const lower = trimmed.toLowerCase();
  if (lower === 'help' || lower === '?') return { type: 'help' };
  if (lower === 'mine') return { type: 'mine' };
  if (trimmed.length > 200)
    return { type: 'invalid', reason: `That is ${trimmed.length} characters: no id is that long.` };
  if (/\s/.test(trimmed)) return { type: 'invalid', reason: 'Give one id at a time.' };
  if (trimmed.startsWith('<'))
    return { type: 'invalid', reason: 'That looks like a mention or a link, not an id.' };
  if (!ID.test(trimmed))
    return { type: 'invalid', reason: 'That has characters no cart, order or payment id uses.' };
  return { type: 'id', id: trimmed };
}
