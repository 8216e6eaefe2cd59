import type { KeyAlias } from '../domain/cart-reference.js';
import type { DigestFacts } from '../domain/digest.js';
import type { CartEvent, Stage, StoredEvent } from '../domain/event.js';
import type { AuditEntry, ExceptionGroup, ExceptionRecord } from '../domain/exception.js';
import type { NoiseMatch } from '../domain/noise.js';
import type { StageMark } from '../domain/rollups.js';
import type { Silence } from '../domain/silence.js';
import type { TrendRollup } from '../domain/trends.js';
import type { WeeklyDigestFacts } from '../domain/weekly.js';
import type {
  ActionInput,
  ActionOutcome,
  DetectionBatch,
  DetectionOutcome,
  DueWork,
  GroupActionInput,
  GroupActionOutcome,
  GroupResolveInput,
  GroupResolveOutcome,
  OutboxHealth,
  OutboxJob,
  ReassignInput,
  SourceActivity,
  SweepBatch,
  SweepOutcome,
} from './exception-types.js';
import type { FailureSample, RateReadout, RateReadoutInput } from './noise-types.js';
import type {
  ActiveSilence,
  EndSilenceInput,
  EndSilenceOutcome,
  HoldBackInput,
  NewSilence,
  NoiseSweepInput,
  NoiseSweepOutcome,
  SilenceAuditEntry,
  SilencedCount,
  SilenceOutcome,
  SilencePreview,
  SnoozeInput,
} from './silence-types.js';
import type { AuditedChange, CartState, ExceptionOverview, WaitingCart } from './status-types.js';
import type { TrendRollupInput } from './trend-types.js';

export type { StoredEvent };

/** An event as accepted at the edge, with the producer's original JSON kept for inspection. */
export interface NewEvent {
  event: CartEvent;
  raw: string;
  /** Other names of its keys (a Shopify order name, a Stripe charge id), findable like the keys. */
  aliases?: readonly KeyAlias[];
}

/**
 * A place in the event log, opaque outside the store. SQLite commits one writer at a time, so its
 * seq is enough; on Postgres sequence values commit out of order, so it is a transaction id and seq.
 */
export type DetectionCursor = string;

export interface DetectionPage {
  events: StoredEvent[];
  next: DetectionCursor;
  /**
   * Committed events wait after `next` behind a transaction still running (Postgres): the feed
   * cannot hand them over yet, and no further wake-up may come for them, so ask again shortly.
   */
  behind?: boolean;
}

export interface RecordOutcome {
  accepted: number;
  duplicates: number;
}

/** Everything stored under one cart (or under one correlation key not yet linked to a cart). */
export interface CartHistory {
  cartId: string | null;
  events: StoredEvent[];
}

export interface StoreHealth {
  ok: boolean;
  detail: string;
}

/** A team's daily digest run as recorded: its facts fixed, whether its post is queued. */
export interface DailyDigestRun {
  team: string;
  localDate: string;
  channel: string;
  facts: DigestFacts;
  at: number;
  post: boolean;
}

/** A team's weekly digest run, by ISO week. */
export interface WeeklyDigestRun {
  team: string;
  isoWeek: string;
  channel: string;
  facts: WeeklyDigestFacts;
  at: number;
  post: boolean;
}

/**
 * The only way into the database. Each operation is one transaction and returns a promise,
 * so a Postgres store can stand beside the SQLite one without services noticing.
 */
export interface Store {
  /** Durably records a batch (all or nothing); resolves only after the commit reached disk. */
  recordEvents(batch: readonly NewEvent[], options: { receivedAt: number }): Promise<RecordOutcome>;
  /**
   * The cart that a cart, order, payment or shipment id, or an alias of one, names, with its events;
   * null when none matches. Exact lookups only: reading what a person typed is domain/cart-reference.
   */
  findCartHistory(id: string): Promise<CartHistory | null>;
  /** Deletes up to `limit` events received before `cutoff` (and carts idle since then); returns how many events went. */
  pruneBefore(cutoff: number, options: { limit: number }): Promise<number>;
  health(): Promise<StoreHealth>;

  /**
   * Up to `limit` committed events after the cursor, in the order detection must see them, and the
   * cursor that follows them (the same cursor when there are none): the detector's feed.
   */
  eventsAfter(cursor: DetectionCursor, limit: number): Promise<DetectionPage>;
  /** Where detection stands: everything before it has been applied. */
  detectionCursor(): Promise<DetectionCursor>;
  /** Opens, repeats and resolves exceptions with their audit entries and outbox rows, and moves the cursor. */
  applyDetection(batch: DetectionBatch): Promise<DetectionOutcome>;

  findException(id: number): Promise<ExceptionRecord | null>;
  exceptionsOfCart(cartId: string): Promise<ExceptionRecord[]>;
  auditOf(exceptionId: number): Promise<AuditEntry[]>;
  /** A person's acknowledge, unacknowledge or resolve, with its audit entry and outbox rows. */
  applyAction(input: ActionInput): Promise<ActionOutcome>;
  /** What is due by `now`, at most `limit` of each kind, found through due-time indexes only. */
  dueWork(now: number, limit: number): Promise<DueWork>;
  /** Carts waiting (latest step started) in a stage, and the oldest one's last progress. */
  backlogOf(stage: Stage): Promise<{ waiting: number; oldestAt?: number }>;
  /** The carts waiting in a stage, oldest first, at most `limit` (a backlog's Timeline). */
  waitingCarts(stage: Stage, limit: number): Promise<WaitingCart[]>;
  /** When each watched source was last heard from. */
  sourceActivity(): Promise<Map<string, SourceActivity>>;
  /** Raises, resolves, escalates and reminds what the sweep found, claiming each due row once. */
  applySweep(batch: SweepBatch): Promise<SweepOutcome>;

  /** A rate rule's counts over its window and the 7 days before, its state and its live exception. */
  rateReadout(input: RateReadoutInput): Promise<RateReadout>;
  /** Failed events counted at or after `since`, newest first (bounded): a breached rule's sample carts. */
  failuresSince(since: number): Promise<FailureSample[]>;
  /** A team's failures held back by noise.suppress in [from, to), by reason, most first. */
  suppressedCounts(team: string, from: number, to: number): Promise<{ reason: string; count: number }[]>;
  /** Deletes noise's per-minute counts older than `cutoff`; returns how many rows went. */
  pruneNoiseCounts(cutoff: number): Promise<number>;

  /** A cart's projection and armed expectations, for "what is it waiting for". */
  cartState(cartId: string): Promise<CartState | undefined>;
  /** Live exceptions per team and stage, the oldest unclaimed, resolved since `since`, carts waiting. */
  exceptionOverview(since: number): Promise<ExceptionOverview>;
  /** Live exceptions assigned to a person, oldest first. */
  assignedTo(userId: string, limit: number): Promise<ExceptionRecord[]>;

  /** Audit entries of a team's exceptions in [from, to), with their exceptions' facts (digest). */
  changesOfTeam(team: string, from: number, to: number): Promise<AuditedChange[]>;
  liveOfTeam(team: string): Promise<ExceptionRecord[]>;
  /** The team's digest run for that local date, if one was recorded. */
  digestRunOn(team: string, localDate: string): Promise<DigestRun | undefined>;
  /** When this database began (by the clock of whoever created it). */
  createdAt(): Promise<number>;
  /** The facts of the team's latest digest before that local date, if any. */
  previousDigest(team: string, beforeLocalDate: string): Promise<DigestFacts | undefined>;
  /** Records the digest run and its outbox row together; false when that team's day already has one. */
  recordDigest(input: DailyDigestRun): Promise<boolean>;

  /** Trends' hourly roll-ups summed per day of a period and the one before, and the exceptions raised then. */
  trendRollup(input: TrendRollupInput): Promise<TrendRollup>;
  /** Where trends last saw each of these carts: its stage and since when (absent: never seen). */
  stageMarks(cartIds: readonly string[]): Promise<Map<string, StageMark>>;
  /** When trends began counting (a database made before them has no figures from before). */
  trendsSince(): Promise<number>;
  /** The team's weekly digest run for that ISO week ("2026-W49"), if one was recorded. */
  weeklyDigestRunOn(team: string, isoWeek: string): Promise<DigestRun | undefined>;
  /** Records the weekly digest run and its outbox row together; false when that team's week already has one. */
  recordWeeklyDigest(input: WeeklyDigestRun): Promise<boolean>;

  /** Open and acknowledged exceptions counted by team and kind (metrics). */
  liveExceptionCounts(): Promise<{ team: string; kind: string; count: number }[]>;
  /** Keeps a signed webhook body that could not be read, with the reason, for inspection. */
  recordWebhookFailure(input: WebhookFailure): Promise<void>;
  webhookFailures(limit: number): Promise<(WebhookFailure & { id: number })[]>;

  /** "Acknowledge all" on a storm's grouped message. */
  acknowledgeGroup(input: GroupActionInput): Promise<GroupActionOutcome>;
  /** "Resolve all" on a storm's grouped message: its open and acknowledged members, the note in each audit entry. */
  resolveGroup(input: GroupResolveInput): Promise<GroupResolveOutcome>;
  findGroup(id: number): Promise<ExceptionGroup | null>;

  /** Hands the exception to another team and/or person, with the handoff note in the audit trail. */
  applyReassign(input: ReassignInput): Promise<ActionOutcome>;
  /** An ephemeral reply to one user, sent through the outbox like every other Slack write. */
  enqueueEphemeral(input: EphemeralInput): Promise<void>;

  /** A silence, or a longer life for an active one with the same team and match; audited either way. */
  createSilence(input: NewSilence): Promise<SilenceOutcome>;
  /** Ends a silence early (audited); the next noise sweep tells its end and posts what it held back. */
  endSilence(input: EndSilenceInput): Promise<EndSilenceOutcome>;
  findSilence(id: number): Promise<Silence | null>;
  /** Silences holding at `now`, soonest to end first, with how many open exceptions each holds back. */
  activeSilences(now: number): Promise<ActiveSilence[]>;
  silenceAudit(id: number): Promise<SilenceAuditEntry[]>;
  /** How many of a team's exceptions a match names: open now, and raised in the day before `now`. */
  silencePreview(team: string, match: NoiseMatch, now: number): Promise<SilencePreview>;
  /** A team's exceptions raised under each silence in [from, to) (the digest). */
  silencedOfTeam(team: string, from: number, to: number): Promise<SilencedCount[]>;
  /** Exceptions ever raised under a silence, and silences holding now, each by team (metrics). */
  silenceCounts(now: number): Promise<{
    silenced: { team: string; count: number }[];
    active: { team: string; count: number }[];
  }>;
  /** Snoozes an exception from its message (a stale click changes nothing), audited, told in its thread. */
  snoozeException(input: SnoozeInput): Promise<ActionOutcome>;
  /**
   * Records maintenance occurrences as silences, ends snoozes that ran out, and settles silences that
   * ended: each end told once, with what it held back posted, in one transaction.
   */
  sweepNoise(input: NoiseSweepInput): Promise<NoiseSweepOutcome>;
  /** Moves due stalls and expectations a maintenance window holds back to its end, unconsumed. */
  holdBackDue(input: HoldBackInput): Promise<void>;

  /**
   * Leases up to `limit` due outbox rows (posts before their updates and thread replies). Posts to
   * `pacedChannels` are held back. Where several instances send (Postgres), only channels this
   * instance holds the lease of are served, and with `paceMs` a channel's posts also wait that long
   * (wall-clock) after the last post any sender made there.
   */
  claimOutbox(input: ClaimOutboxInput): Promise<OutboxJob[]>;
  /**
   * Marks a row sent; a root post's ts (or an update's, when its message was gone and posted afresh)
   * is stored on its exception, storm or board in the same transaction.
   */
  completeOutbox(input: { id: number; at: number; ts?: string } & Fenced): Promise<void>;
  /** `inDoubt`: the failed call may still have posted (a timeout, a dropped connection). */
  retryOutbox(input: { id: number; dueAt: number; error: string; inDoubt?: boolean } & Fenced): Promise<void>;
  /**
   * At start-up: rows this instance leased before it died are due again, marked in doubt (never a
   * live instance's). Returns how many.
   */
  releaseAbandonedOutbox(): Promise<number>;
  /** Puts a claimed row back, due as before, without counting an attempt (pacing, not failure). */
  releaseOutbox(input: { id: number } & Fenced): Promise<void>;
  failOutbox(input: { id: number; error: string } & Fenced): Promise<void>;
  outboxHealth(): Promise<OutboxHealth>;
  /** Writes a consistent copy of the whole database to `file` while it stays in use. */
  backupTo(file: string): Promise<void>;
  /**
   * Calls `listener` soon after any instance commits new rows to `topic`, and returns how to stop.
   * Postgres: LISTEN/NOTIFY, one notification per committing transaction. SQLite: a no-op, as one
   * process owns the file and its own commits already wake it. Polling remains the fallback.
   */
  subscribe(topic: WakeTopic, listener: () => void): () => void;
  /** Finishes pending writes, then closes. */
  close(): Promise<void>;
}

/** What another instance's commit can wake here: new events (detection), new outbox rows (sending). */
export type WakeTopic = 'events' | 'outbox';

export interface ClaimOutboxInput {
  now: number;
  limit: number;
  leaseMs: number;
  pacedChannels?: string[];
  /** Row kinds not to claim for now: their Slack method rests after a 429 (Retry-After). */
  heldKinds?: readonly string[];
  /** Slack's posting pace per channel, kept across senders (see claimOutbox). */
  paceMs?: number;
}

/** A sender's write about a claimed row carries the job's `token`, when it had one. */
export interface Fenced {
  token?: number;
}

export interface DigestRun {
  ranAt: number;
  /** False when recorded without a post (a quiet day with skip_quiet); undefined for runs from before this was kept. */
  posted?: boolean;
}

export interface WebhookFailure {
  platform: 'shopify' | 'stripe';
  topic: string;
  reason: string;
  raw: string;
  receivedAt: number;
}

/** A reply only one person sees; `blocks` when it is more than a line (e.g. a cart's timeline). */
export interface EphemeralInput {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  at: number;
}
