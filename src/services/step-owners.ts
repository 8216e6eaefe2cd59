import type { CartwatchConfig } from '../config.js';
import type { StoredEvent } from '../domain/event.js';
import { routeException } from '../domain/routing.js';

/** Steps whose owner team is remembered; past this the memory starts over (step names are free text). */
const OWNERS_KEPT = 10_000;

/**
 * The team a step's figures belong to in trends: where its failures route by stage, step, source
 * and owner (not by error code, so a step's attempts and failures stay together). Remembered,
 * since detection asks for every event.
 */
export class StepOwners {
  private readonly owners = new Map<string, string>();
  private last:
    | { stage: string; step: string; source: string; owner: string | undefined; team: string }
    | undefined;

  constructor(private readonly config: Pick<CartwatchConfig, 'routes' | 'teams'>) {}

  teamOf(event: StoredEvent): string {
    // A batch is mostly runs of the same step from the same source: the last answer usually holds.
    const last = this.last;
    if (
      last !== undefined &&
      last.stage === event.stage &&
      last.step === event.step &&
      last.source === event.source &&
      last.owner === event.owner
    )
      return last.team;
    const team = this.routed(event);
    this.last = { stage: event.stage, step: event.step, source: event.source, owner: event.owner, team };
    return team;
  }

  private routed(event: StoredEvent): string {
    const key = `${event.stage}\u0000${event.step}\u0000${event.source}\u0000${event.owner ?? ''}`;
    let team = this.owners.get(key);
    if (team === undefined) {
      if (this.owners.size >= OWNERS_KEPT) this.owners.clear();
      const facts = {
        kind: 'failed' as const,
        dedupKey: '',
        stage: event.stage,
        step: event.step,
        source: event.source,
      };
      const { routes, teams } = this.config;
      team = routeException(facts, {
        routes,
        teams,
        ...(event.owner !== undefined && { owner: event.owner }),
      }).team;
      this.owners.set(key, team);
    }
    return team;
  }
}
