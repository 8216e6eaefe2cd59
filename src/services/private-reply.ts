import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';

/** Where a person who clicked or typed can be answered privately: the channel they were in. */
export interface Asker {
  channel?: string;
  actor: string;
}

/**
 * Tells one person, privately, why nothing (or what) was done: an ephemeral message through the
 * outbox, so Slack stays downstream of the database. Without a channel (a click on the Home tab)
 * there is nowhere to say it, and the redrawn surface has to speak for itself.
 */
export async function tellPrivately(
  deps: { store: Store; clock: Clock; onChanges?: () => void },
  asker: Asker,
  text: string,
): Promise<void> {
  if (asker.channel === undefined) return;
  await deps.store.enqueueEphemeral({
    channel: asker.channel,
    user: asker.actor,
    text,
    at: deps.clock.now(),
  });
  deps.onChanges?.();
}

/** Tells someone outside a team's `members` that what they tried (e.g. "snooze its exceptions") was refused. */
export function tellOutsider(
  deps: { store: Store; clock: Clock; onChanges?: () => void },
  asker: Asker,
  team: string,
  what: string,
): Promise<void> {
  return tellPrivately(deps, asker, `Only members of the ${team} team may ${what}; nothing was done.`);
}
