import type { CartwatchConfig } from '../config.js';
import { type SnoozeChoice, snoozeEnd } from '../domain/silence.js';
import type { ActionOutcome } from '../store/exception-types.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import { tellOutsider, tellPrivately } from './private-reply.js';
import type { TeamMembers } from './team-members.js';

export interface SnoozeRequest {
  exceptionId: number;
  /** The revision the clicker's message showed. */
  revision: number;
  actor: string;
  /** Where to answer them privately. */
  channel: string;
  choice: SnoozeChoice;
}

export type SnoozeResult = ActionOutcome | { ok: false; reason: 'forbidden' };

const STALE_TEXT =
  'This exception changed since your message was drawn, so it was not snoozed. The message now shows where it stands.';

/** Snoozing one exception from its message: its team's members only, until a time it names. */
export class SnoozeService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      config: CartwatchConfig;
      members: TeamMembers;
      onChanges?: () => void;
    },
  ) {}

  async snooze(request: SnoozeRequest): Promise<SnoozeResult> {
    const { store, clock, config } = this.deps;
    const exception = await store.findException(request.exceptionId);
    if (exception === null) return { ok: false, reason: 'not_found' };
    if (!(await this.deps.members.mayAct(exception.team, request.actor))) {
      await tellOutsider(this.deps, request, exception.team, 'snooze its exceptions');
      return { ok: false, reason: 'forbidden' };
    }
    const now = clock.now();
    const timeZone = config.teams[exception.team]?.timezone ?? config.timezone;
    const until = snoozeEnd(request.choice, now, { at: config.digest.at, timeZone });
    const outcome = await store.snoozeException({
      exceptionId: request.exceptionId,
      revision: request.revision,
      actor: request.actor,
      until,
      at: now,
    });
    if (!outcome.ok && outcome.reason === 'stale') await tellPrivately(this.deps, request, STALE_TEXT);
    this.deps.onChanges?.();
    return outcome;
  }
}
