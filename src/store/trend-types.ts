import type { Stage } from '../domain/event.js';

/** What a trend reads: a period and the one before, and whose figures (all teams when none). */
export interface TrendRollupInput {
  /** 2n+1 day starts on the hourly roll-ups (domain/trends.ts hourBounds). */
  hours: number[];
  /** The same days as instants, for exceptions raised in them. */
  bounds: number[];
  team?: string;
  stage?: Stage;
  step?: string;
}
