import type { DuePolicy } from '../../domain/due-policy.js';
import { groupKeyOf } from '../../domain/exception.js';
import { ALL_TEAMS, type Silence } from '../../domain/silence.js';
import { RAN_OUT_NOTE, ranOutActor, teamsToTell } from '../../domain/silence-lifecycle.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import type { SilenceNote } from '../silence-types.js';

/** What telling a silence's end writes, in this order: its audit entry, the notes, the releases. */
export interface SilenceSettlement {
  /** Ran out (nobody ended it): its end is audited now, by whoever it is said to be by. */
  audit?: { actor: string; action: 'ended'; note: string };
  /** A summary in each told team's channel. */
  notes: { channel: string; note: SilenceNote }[];
  /**
   * What it still holds back, placed like newly raised exceptions (many of one kind form a storm), in
   * the order they were raised: each counts as raised now, so storms and escalation count from when
   * people see it.
   */
  releases: {
    id: number;
    channel: string;
    groupKey: string | undefined;
    raisedAt: number;
    escalateAt: number;
  }[];
}

/**
 * A silence's end, told once (the store calls this only after marking it summarised): `before` is the
 * silence as the sweep found it, `after` as summarised; `raised` every exception raised under it,
 * in id order; `heldIds` those of them with no message of their own yet, nor one coming.
 */
export function planSilenceEnd(input: {
  before: Silence;
  after: Silence;
  raised: readonly ExceptionRow[];
  heldIds: ReadonlySet<number>;
  channels: Record<string, string>;
  now: number;
  policy: Pick<DuePolicy, 'escalateAfterMs'>;
}): SilenceSettlement {
  const { before, after, raised, now } = input;
  const held = raised.filter((e) => e.state !== 'resolved' && input.heldIds.has(e.id));
  const settlement: SilenceSettlement = { notes: [], releases: [] };
  if (before.endedAt === undefined)
    settlement.audit = { actor: ranOutActor(before), action: 'ended', note: RAN_OUT_NOTE };
  const teams = teamsToTell(
    after,
    raised.map((e) => e.team),
  );
  for (const team of teams) {
    const channel = input.channels[team];
    if (channel === undefined) continue;
    const mine = raised.filter((e) => after.team !== ALL_TEAMS || e.team === team);
    settlement.notes.push({
      channel,
      note: {
        type: 'ended',
        silence: after,
        raised: mine.length,
        resolvedAutomatically: mine.filter((e) => e.resolution === 'auto').length,
        resolvedByPeople: mine.filter((e) => e.resolution === 'manual').length,
        stillOpen: mine.filter((e) => e.state !== 'resolved').length,
        posted: held.filter((e) => mine.includes(e)).length,
      },
    });
  }
  for (const e of held) {
    const groupKey = groupKeyOf(toException(e), e.team);
    settlement.releases.push({
      id: e.id,
      channel: e.channel,
      groupKey,
      raisedAt: now,
      escalateAt: now + input.policy.escalateAfterMs,
    });
  }
  return settlement;
}
