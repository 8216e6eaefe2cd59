import type { SweepOutcome } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { redrawTarget } from './exception-plans.js';

/**
 * What applying a rate rule's step writes besides SQL, decided once for both stores (the step itself
 * is the domain's: services/rate-watch.ts with domain/rates.ts).
 */

/** Counts a rate exception the sweep opened; a raise that found one live opened nothing. */
export function countRateRaise(outcome: SweepOutcome, rule: string, result: string): void {
  if (result !== 'opened') return;
  outcome.opened += 1;
  outcome.raisedRates = [...(outcome.raisedRates ?? []), rule];
}

/**
 * A live rate exception's figures moved: its message is drawn again, unless a silence still holds it
 * back (it has no message yet; the figures wait for its release).
 */
export function redrawsRateFigures(live: Pick<ExceptionRow, 'group_id'>, held: boolean): boolean {
  return redrawTarget(live, held) === 'own';
}
