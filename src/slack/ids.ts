import { z } from 'zod';

/** Every action id the renderers put on buttons and the router listens for: one home for both. */
export const ACTION = {
  acknowledge: 'exception.acknowledge',
  unacknowledge: 'exception.unacknowledge',
  reassign: 'exception.reassign',
  resolve: 'exception.resolve',
  timeline: 'exception.timeline',
  acknowledgeAll: 'group.acknowledge_all',
  /** Opens the storm's Resolve modal (an optional note). */
  resolveAll: 'group.resolve_all',
  /** The overflow menu: "Resolve with a note…", "Snooze…" and "Silence like this…" (see MENU_PICKS). */
  more: 'exception.more',
  /** The Silence modal's match checkboxes: a change redraws its preview. */
  silenceMatch: 'silence.match.change',
  /** "End now" beside a silence in `/cart-status silences`. */
  endSilence: 'silence.end',
} as const;

export const BLOCK = {
  actions: 'exception.actions',
  groupActions: 'group.actions',
  reassignTeam: 'reassign.team',
  reassignPerson: 'reassign.person',
  reassignNote: 'reassign.note',
  resolveNote: 'resolve.note',
  snoozeFor: 'snooze.for',
  silenceMatch: 'silence.match',
  silenceFor: 'silence.for',
  silenceReason: 'silence.reason',
  silencePreview: 'silence.preview',
  /** Prefix of each exception's buttons in `/cart-status mine` (block ids must differ within a message). */
  mineActions: 'mine.actions.',
} as const;

/** The buttons were clicked on a `/cart-status mine` reply, which is then drawn again. */
export function isMineBlock(blockId: string | undefined): boolean {
  return blockId?.startsWith(BLOCK.mineActions) === true;
}

/** Inputs inside the Reassign modal (each in the block of the same name). */
export const INPUT = {
  reassignTeam: 'reassign.team.select',
  reassignPerson: 'reassign.person.select',
  reassignNote: 'reassign.note.text',
  resolveNote: 'resolve.note.text',
  snoozeFor: 'snooze.for.select',
  silenceFor: 'silence.for.select',
  silenceReason: 'silence.reason.text',
} as const;

export const VIEW = {
  reassign: 'exception.reassign.modal',
  resolve: 'exception.resolve.modal',
  resolveGroup: 'group.resolve.modal',
  snooze: 'exception.snooze.modal',
  silence: 'exception.silence.modal',
} as const;

/** What the Reassign modal remembers between opening and submission. */
const reassignMetadata = z.strictObject({
  id: z.int().positive(),
  rev: z.int().min(0),
  /** A storm's modal: the newest member the clicked drawing showed (see ButtonValue). */
  upTo: z.int().positive().optional(),
  channel: z.string().max(30),
});
export type ReassignMetadata = z.infer<typeof reassignMetadata>;

export function encodeReassignMetadata(value: ReassignMetadata): string {
  return JSON.stringify(value);
}

export function decodeReassignMetadata(raw: unknown): ReassignMetadata | undefined {
  if (typeof raw !== 'string' || raw.length > 3000) return undefined;
  try {
    const parsed = reassignMetadata.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A button's value: the exception (or storm) and the revision its message showed, so stale clicks are
 * told apart; a storm's also names its newest member drawn, so a click takes no member it never showed.
 */
const buttonValue = z.strictObject({
  id: z.int().positive(),
  rev: z.int().min(0),
  upTo: z.int().positive().optional(),
});
export type ButtonValue = z.infer<typeof buttonValue>;

export function encodeButtonValue(value: ButtonValue): string {
  return JSON.stringify(value);
}

/** Undefined for anything that is not a value we rendered (forged or truncated payloads). */
export function decodeButtonValue(raw: unknown): ButtonValue | undefined {
  if (typeof raw !== 'string' || raw.length > 200) return undefined;
  try {
    const parsed = buttonValue.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A value we rendered, read back; undefined for anything else (forged, truncated, too long). */
function readJson<T>(schema: z.ZodType<T>, raw: unknown, maxLength: number): T | undefined {
  if (typeof raw !== 'string' || raw.length > maxLength) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What the exception message's ⋯ menu offers (Slack allows five options); each option's value names one. */
export const MENU_PICKS = ['resolve', 'snooze', 'silence'] as const;
export type MenuPick = (typeof MENU_PICKS)[number];

/** A ⋯ menu option's value: the exception, the revision its message showed, and what was picked. */
const menuValue = z.strictObject({ id: z.int().positive(), rev: z.int().min(0), pick: z.enum(MENU_PICKS) });
export type MenuValue = z.infer<typeof menuValue>;

export function encodeMenuValue(value: MenuValue): string {
  return JSON.stringify(value);
}

/** Messages drawn before the menu grew carry a bare button value: it meant "Resolve with a note…". */
export function decodeMenuValue(raw: unknown): MenuValue | undefined {
  const legacy = decodeButtonValue(raw);
  if (legacy !== undefined) return { ...legacy, pick: 'resolve' };
  return readJson(menuValue, raw, 200);
}

/**
 * What the Silence modal remembers: the exception it was opened from, and the team it belonged to
 * then (a handoff since makes the form stale), where to answer.
 */
const silenceMetadata = z.strictObject({
  id: z.int().positive(),
  team: z.string().regex(/^[a-z0-9_-]{1,60}$/),
  channel: z.string().max(30),
});
export type SilenceMetadata = z.infer<typeof silenceMetadata>;

export function encodeSilenceMetadata(value: SilenceMetadata): string {
  return JSON.stringify(value);
}

export function decodeSilenceMetadata(raw: unknown): SilenceMetadata | undefined {
  return readJson(silenceMetadata, raw, 3000);
}

/** "End now": the silence it ends. */
const endSilenceValue = z.strictObject({ silence: z.int().positive() });

export function encodeEndSilenceValue(silence: number): string {
  return JSON.stringify({ silence });
}

export function decodeEndSilenceValue(raw: unknown): number | undefined {
  return readJson(endSilenceValue, raw, 100)?.silence;
}
