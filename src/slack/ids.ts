import { z } from 'zod';

/** Every action id the renderers put on buttons and the router listens for: one home for both. */
export const ACTION = {
  acknowledge: 'exception.acknowledge',
  unacknowledge: 'exception.unacknowledge',
  reassign: 'exception.reassign',
  resolve: 'exception.resolve',
  timeline: 'exception.timeline',
} as const;

export const BLOCK = {
  actions: 'exception.actions',
} as const;

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
