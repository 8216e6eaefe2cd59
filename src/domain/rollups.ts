import { STAGES, type Stage, type StoredEvent } from './event.js';
import { countedAt } from './rates.js';

/**
 * Hourly roll-ups behind trends and the weekly digest: per team and stage.step, attempts, failures
 * and error codes; per stage, how long carts took to pass through it. Kept as events are detected,
 * so trends read a few thousand rows however many events are stored. Hours (not days) so that any
 * team's local days can be summed from them.
 */
export const HOUR_MS = 3_600_000;

export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** What one batch adds to one hour of one team's stage.step. */
export interface StepTally {
  hour: number;
  team: string;
  stage: Stage;
  step: string;
  /** Succeeded and failed events (a started step is not an attempt yet), as rate rules count them. */
  attempts: number;
  failures: number;
  /** Failures noise.suppress held back (counted in `failures` too). */
  suppressed: number;
  /** Failures by error code ('' for a failure without one). */
  codes: Record<string, number>;
}

/**
 * The hour tallies of a batch of events: a few rows however many events. `teamOf` names the team an
 * event's step belongs to (routed as its failure would be); `suppressed` holds the seqs of failures
 * noise.suppress held back.
 */
export function tallySteps(
  events: readonly StoredEvent[],
  options: { teamOf: (event: StoredEvent) => string; suppressed: ReadonlySet<number> },
): StepTally[] {
  const tallies = new Map<string, StepTally>();
  let last: StepTally | undefined;
  for (const event of events) {
    if (event.status === 'started') continue;
    const team = options.teamOf(event);
    const hour = hourOf(countedAt(event));
    // Runs of one step in one hour are the common case: the last tally is looked at first.
    let tally =
      last?.hour === hour && last.team === team && last.stage === event.stage && last.step === event.step
        ? last
        : tallies.get(`${hour}\u0000${team}\u0000${event.stage}\u0000${event.step}`);
    if (tally === undefined) {
      tally = {
        hour,
        team,
        stage: event.stage,
        step: event.step,
        attempts: 0,
        failures: 0,
        suppressed: 0,
        codes: {},
      };
      tallies.set(`${hour}\u0000${team}\u0000${event.stage}\u0000${event.step}`, tally);
    }
    last = tally;
    tally.attempts += 1;
    if (event.status !== 'failed') continue;
    tally.failures += 1;
    if (options.suppressed.has(event.seq)) tally.suppressed += 1;
    const code = event.error?.code ?? '';
    tally.codes[code] = (tally.codes[code] ?? 0) + 1;
  }
  return [...tallies.values()];
}

/** The stages one cart's events of a batch touched, each at its earliest moment in the batch. */
export interface CartVisits {
  cartId: string;
  visits: { stage: Stage; at: number }[];
}

export function stageVisits(
  events: readonly Pick<StoredEvent, 'cartId' | 'stage' | 'occurredAt' | 'receivedAt'>[],
): CartVisits[] {
  // One entry per cart, its few stages in a short list: batches run to hundreds of carts.
  const carts = new Map<string, CartVisits>();
  for (const event of events) {
    if (event.cartId === undefined) continue;
    const at = countedAt(event);
    const cart = carts.get(event.cartId);
    if (cart === undefined) {
      carts.set(event.cartId, { cartId: event.cartId, visits: [{ stage: event.stage, at }] });
      continue;
    }
    const visit = cart.visits.find((v) => v.stage === event.stage);
    if (visit === undefined) cart.visits.push({ stage: event.stage, at });
    else if (at < visit.at) visit.at = at;
  }
  return [...carts.values()];
}

/** The stage a cart is in as far as trends know, and when it entered it. */
export interface StageMark {
  stage: Stage;
  enteredAt: number;
}

/** An event at `at` in `stage` of a cart standing at `mark` moves nothing: same stage, no earlier. */
export function staysPut(mark: StageMark | undefined, stage: Stage, at: number): boolean {
  return mark !== undefined && mark.stage === stage && at >= mark.enteredAt;
}

/** A cart left `stage` for a later one at `at`, `ms` after it entered. */
export interface StagePassage {
  stage: Stage;
  ms: number;
  at: number;
}

const ORDER = new Map<Stage, number>(STAGES.map((stage, i) => [stage, i]));

/**
 * Time through a stage is from a cart's first event in it to its first event in a later stage (the
 * hand-off). Visits are walked in time order from where the cart stood: a later stage passes the
 * current one; an earlier event of the current stage moves its entry back; an event of an earlier
 * stage (a late arrival, or a cart sent back) changes nothing. `changed`: the mark must be stored.
 */
export function passStages(
  current: StageMark | undefined,
  visits: readonly { stage: Stage; at: number }[],
): { mark: StageMark | undefined; passed: StagePassage[]; changed: boolean } {
  // Most batches see a cart in one stage: nothing to sort.
  const ordered =
    visits.length === 1
      ? visits
      : [...visits].sort((a, b) => a.at - b.at || (ORDER.get(a.stage) ?? 0) - (ORDER.get(b.stage) ?? 0));
  let mark = current;
  let changed = false;
  const passed: StagePassage[] = [];
  for (const visit of ordered) {
    if (mark === undefined) {
      mark = { stage: visit.stage, enteredAt: visit.at };
      changed = true;
      continue;
    }
    const from = ORDER.get(mark.stage) ?? 0;
    const to = ORDER.get(visit.stage) ?? 0;
    if (to > from) {
      // An event of the later stage that occurred before the cart entered this one tells no time.
      if (visit.at >= mark.enteredAt)
        passed.push({ stage: mark.stage, ms: visit.at - mark.enteredAt, at: visit.at });
      mark = { stage: visit.stage, enteredAt: visit.at };
      changed = true;
    } else if (to === from && visit.at < mark.enteredAt) {
      mark = { stage: mark.stage, enteredAt: visit.at };
      changed = true;
    }
  }
  return { mark, passed, changed };
}

/** Carts handed on from a stage in one hour, counted per duration bucket. */
export interface StageTimeTally {
  hour: number;
  stage: Stage;
  buckets: Record<string, number>;
}

/**
 * A batch's carts walked from where each stood (`markOf`): the marks that moved, to be stored, and
 * the hand-offs, counted per hour, stage and duration bucket (a few rows, however many carts).
 */
export function passBatch(
  carts: readonly CartVisits[],
  markOf: (cartId: string) => StageMark | undefined,
): { moved: [cartId: string, stage: Stage, enteredAt: number][]; times: StageTimeTally[] } {
  const moved: [string, Stage, number][] = [];
  const times = new Map<string, StageTimeTally>();
  for (const cart of carts) {
    const current = markOf(cart.cartId);
    const [only] = cart.visits;
    // Most carts of a batch are seen again in the stage they are in: nothing moves.
    if (cart.visits.length === 1 && only && staysPut(current, only.stage, only.at)) continue;
    const { mark, passed, changed } = passStages(current, cart.visits);
    if (changed && mark) moved.push([cart.cartId, mark.stage, mark.enteredAt]);
    for (const passage of passed) {
      const hour = hourOf(passage.at);
      const key = `${hour}\u0000${passage.stage}`;
      const tally = times.get(key) ?? { hour, stage: passage.stage, buckets: {} };
      const bucket = durationBucket(passage.ms);
      tally.buckets[bucket] = (tally.buckets[bucket] ?? 0) + 1;
      times.set(key, tally);
    }
  }
  return { moved, times: [...times.values()] };
}

/**
 * Durations are counted in buckets a quarter of a doubling wide (each about 19% wider than the one
 * before, from one second to a month), so a stage's median over any hours is summed from counts and
 * read back within about 10%.
 */
const PER_DOUBLING = 4;
const MAX_BUCKET = 1 + PER_DOUBLING * 22;

export function durationBucket(ms: number): number {
  if (ms < 1000) return 0;
  return Math.min(MAX_BUCKET, 1 + Math.floor(PER_DOUBLING * Math.log2(ms / 1000) + 1e-9));
}

/** The durations a bucket holds: [low, high) in ms. */
export function bucketRange(bucket: number): [number, number] {
  if (bucket <= 0) return [0, 1000];
  return [1000 * 2 ** ((bucket - 1) / PER_DOUBLING), 1000 * 2 ** (bucket / PER_DOUBLING)];
}

/** The median of durations counted in buckets, interpolated within its bucket; undefined when none. */
export function histogramMedian(counts: Iterable<readonly [number, number]>): number | undefined {
  const sorted = [...counts].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return undefined;
  const half = total / 2;
  let below = 0;
  for (const [bucket, n] of sorted) {
    if (below + n >= half) {
      const [low, high] = bucketRange(bucket);
      const share = (half - below) / n;
      // Geometric within a bucket (they grow geometrically); linear in the first, which starts at 0.
      return bucket === 0 ? low + share * (high - low) : low * (high / low) ** share;
    }
    below += n;
  }
  return undefined;
}
