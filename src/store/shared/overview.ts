import { type Money, STAGES, type Stage } from '../../domain/event.js';
import type { ExceptionRecord } from '../../domain/exception.js';
import { valueAtRisk } from '../../domain/money.js';
import type { ExceptionOverview, TeamStageCount } from '../status-types.js';

/** Live (unresolved) exceptions counted per team, stage and state. */
export interface LiveCountRow {
  team: string;
  stage: string;
  state: string;
  n: number;
}

/** A live exception's amount, with the cart it belongs to (if any). */
export interface LiveAmountRow {
  team: string;
  stage: string;
  cart_id: string | null;
  value: number;
  currency: string;
}

/** Carts waiting (latest step started) in one stage, and the oldest one's last progress. */
export interface WaitingRow {
  stage: string;
  n: number;
  oldest: number | null;
}

/**
 * The overview from what either store read: counts grouped per team and stage (acknowledged is any
 * live state other than open), money at risk summed in the domain (a cart's value counts once
 * however many exceptions it has), and waiting carts in stage order, stages with none left out.
 */
export function overviewOf(input: {
  live: readonly LiveCountRow[];
  amounts: readonly LiveAmountRow[];
  oldestUnclaimed: ExceptionRecord[];
  resolvedSince: number;
  waiting: readonly WaitingRow[];
}): ExceptionOverview {
  const byKey = new Map<string, TeamStageCount>();
  const entry = (team: string, stage: string) => {
    const key = `${team}|${stage}`;
    let found = byKey.get(key);
    if (!found) {
      found = { team, stage: stage as Stage, open: 0, acknowledged: 0, valueAtRisk: [] };
      byKey.set(key, found);
    }
    return found;
  };
  for (const row of input.live) {
    const counts = entry(row.team, row.stage);
    if (row.state === 'open') counts.open += row.n;
    else counts.acknowledged += row.n;
  }
  const all: { cartId?: string; amount: Money }[] = [];
  const perRow = new Map<TeamStageCount, typeof all>();
  for (const row of input.amounts) {
    const item = {
      ...(row.cart_id !== null && { cartId: row.cart_id }),
      amount: { value: row.value, currency: row.currency },
    };
    all.push(item);
    const counts = entry(row.team, row.stage);
    const items = perRow.get(counts) ?? [];
    items.push(item);
    perRow.set(counts, items);
  }
  for (const [counts, items] of perRow) counts.valueAtRisk = valueAtRisk(items);
  return {
    valueAtRisk: valueAtRisk(all),
    byTeamAndStage: [...byKey.values()].sort(
      (a, b) => a.team.localeCompare(b.team) || a.stage.localeCompare(b.stage),
    ),
    oldestUnclaimed: input.oldestUnclaimed,
    resolvedSince: input.resolvedSince,
    waiting: waitingByStage(input.waiting),
  };
}

function waitingByStage(rows: readonly WaitingRow[]): ExceptionOverview['waiting'] {
  const byStage = new Map(rows.map((row) => [row.stage, row]));
  return STAGES.flatMap((stage) => {
    const row = byStage.get(stage);
    if (row === undefined || row.n === 0) return [];
    return [row.oldest === null ? { stage, carts: row.n } : { stage, carts: row.n, oldestAt: row.oldest }];
  });
}

/** How many exceptions the overview lists as oldest unclaimed. */
export const OLDEST_UNCLAIMED = 5;
