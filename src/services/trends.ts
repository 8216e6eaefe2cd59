import type { CartwatchConfig } from '../config.js';
import type { Stage } from '../domain/event.js';
import { localDate } from '../domain/local-time.js';
import { hourBounds, type TrendFacts, type TrendPeriod, trendFacts, trendPeriod } from '../domain/trends.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';

/** The longest run of days a trend covers (its comparison reaches back twice as far). */
export const MAX_TREND_DAYS = 90;

/** Whose figures: all teams' unless one is named, one stage or stage.step unless none is. */
export interface TrendScope {
  team?: string;
  stage?: Stage;
  step?: string;
}

/** Failure rates, times through stages and their trend, from the hourly roll-ups (never from events). */
export class TrendService {
  constructor(private readonly deps: { store: Store; clock: Clock; config: CartwatchConfig }) {}

  /**
   * The last `days` local days, today so far included, against as many days before: in the team's
   * time zone when one is named, else the config's.
   */
  lastDays(days: number, scope: TrendScope = {}): Promise<TrendFacts> {
    const now = this.deps.clock.now();
    const zone = this.zoneOf(scope.team);
    // Just past now, so what was raised this very millisecond is in.
    const period = trendPeriod({ lastDate: localDate(now, zone), count: days, zone, end: now + 1 });
    return this.over(period, scope, { endIsNow: true });
  }

  /** Any period (the weekly digest's whole days) against the one before. */
  async over(period: TrendPeriod, scope: TrendScope, options: { endIsNow: boolean }): Promise<TrendFacts> {
    const { store } = this.deps;
    const [rollup, since, created] = await Promise.all([
      store.trendRollup({ hours: hourBounds(period, options), bounds: period.bounds, ...scope }),
      store.trendsSince(),
      store.createdAt(),
    ]);
    // A database that had events before trends came (an upgrade) has no figures for them; one made
    // with trends counts every event it stores, an import of the past included.
    return trendFacts(rollup, period, scope, since > created ? since : 0);
  }

  zoneOf(team: string | undefined): string {
    return (
      (team === undefined ? undefined : this.deps.config.teams[team]?.timezone) ?? this.deps.config.timezone
    );
  }
}
