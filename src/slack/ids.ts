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
  /** The overflow menu: "Resolve with a note…". */
  more: 'exception.more',
} as const;

export const BLOCK = {
  actions: 'exception.actions',
  groupActions: 'group.actions',
  reassignTeam: 'reassign.team',
  reassignPerson: 'reassign.person',
  reassignNote: 'reassign.note',
  resolveNote: 'resolve.note',
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
} as const;

export const VIEW = {
  reassign: 'exception.reassign.modal',
  resolve: 'exception.resolve.modal',
  resolveGroup: 'group.resolve.modal',
} as const;

/** What the Reassign modal remembers between opening and submission. */
const reassignMetadata = z.strictObject({
  id: z.int().positive(),
  rev: z.int().min(0),
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

/** A button's value: the exception and the revision its message showed (so stale clicks are told apart). */
const buttonValue = z.strictObject({ id: z.int().positive(), rev: z.int().min(0) });
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
