import type { CartwatchConfig } from '../config.js';
import { maintenanceHolding, occurrencesBetween } from '../domain/maintenance.js';
import type { SweepBatch } from '../store/exception-types.js';
import type { HoldBackInput } from '../store/silence-types.js';
import type { Store } from '../store/store.js';

/** Occurrences are recorded a little ahead, so one holds from its first second. */
const LOOKAHEAD_MS = 10 * 60_000;
const LIMIT = 200;

/**
 * The sweep's part in silences: maintenance windows become silences when they begin and end as
 * they close, snoozes and silences that ran out are settled, and checks a window holds back (SLA
 * stalls, missing steps, silent sources) wait for it to close.
 */
export class MaintenanceWatch {
  constructor(private readonly deps: { store: Store; config: CartwatchConfig }) {}

  /** Records what begins, and tells (once) what ended: its summary, and what it held back. */
  async settle(now: number): Promise<number> {
    const { config, store } = this.deps;
    const maintenance = occurrencesBetween(config.maintenance, now, now + LOOKAHEAD_MS).map((o) => ({
      key: o.key,
      team: o.team,
      match: o.match,
      reason: o.name,
      startsAt: o.startsAt,
      endsAt: o.endsAt,
    }));
    const channels = Object.fromEntries(Object.entries(config.teams).map(([name, t]) => [name, t.channel]));
    const outcome = await store.sweepNoise({ now, maintenance, channels, limit: LIMIT });
    return outcome.snoozesEnded + outcome.silencesEnded;
  }

  /**
   * Takes out of the batch what a maintenance window holds back. A due stall or expectation moves
   * to the window's end (not consumed: if the cart is still stuck then, it is raised then); a
   * silent source is simply judged again by a later sweep.
   */
  async holdBack(batch: SweepBatch): Promise<void> {
    const windows = this.deps.config.maintenance;
    if (windows.length === 0) return;
    const items: HoldBackInput['items'] = [];
    batch.raises = batch.raises.filter((raise) => {
      if (raise.facts.kind !== 'stalled' && raise.facts.kind !== 'silent_source') return true;
      const subject = {
        stage: raise.facts.stage,
        step: raise.facts.step,
        kind: raise.facts.kind,
        team: raise.routing.team,
        ...(raise.facts.source !== undefined && { source: raise.facts.source }),
        ...(raise.facts.errorCode !== undefined && { errorCode: raise.facts.errorCode }),
      };
      const holding = maintenanceHolding(windows, subject, batch.now);
      if (holding === undefined) return true;
      if (raise.claim.type !== 'once') items.push({ claim: raise.claim, until: holding.endsAt });
      return false;
    });
    if (items.length > 0) await this.deps.store.holdBackDue({ items });
  }
}
