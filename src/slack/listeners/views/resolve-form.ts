import type { ViewOutput } from '@slack/bolt';
import { BLOCK, decodeReassignMetadata, INPUT, type ReassignMetadata } from '../../ids.js';

/** What a Resolve modal (one exception's, or a storm's) says: what it is about, and the note if one was written. */
export function readResolveForm(view: ViewOutput): { metadata: ReassignMetadata; note?: string } | undefined {
  const metadata = decodeReassignMetadata(view.private_metadata);
  if (metadata === undefined) return undefined;
  const raw = view.state.values[BLOCK.resolveNote]?.[INPUT.resolveNote]?.value;
  const note = typeof raw === 'string' && raw.trim() !== '' ? raw.trim().slice(0, 2000) : undefined;
  return note === undefined ? { metadata } : { metadata, note };
}

/** The modal's answer when its form cannot be read (forged or out of date metadata). */
export const UNREADABLE_RESOLVE_FORM = {
  response_action: 'errors' as const,
  errors: { [BLOCK.resolveNote]: 'This form could not be read; try again.' },
};
