import type { CartwatchConfig } from '../config.js';
import { type DigestFacts, isQuiet, median, topCounts } from '../domain/digest.js';
import { localDate, localParts } from '../domain/local-time.js';
import { valueAtRisk } from '../domain/money.js';
import type { AuditedChange } from '../store/status-types.js';
import type { DigestRun, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import { noiseFacts } from './noise-facts.js';
import type { Observer } from './observer.js';

const DAY = 86_400_000;

/** `before_database`: the team's local day began before the database did, so it gets no digest. */
export type DigestOutcome = 'posted' | 'already_ran' | 'quiet_skipped' | 'before_database';

/** Where a team's digest for its current local day stands. */
export interface DigestDay {
  team: string;
  zone: string;
  localDate: string;
  /** The run recorded for that date, if any. */
  run?: DigestRun;
  databaseCreatedAt: number;
  /**
   * The day began before the database: its digest would report a day nobody watched (a quiet day
   * on a fresh install), so none is posted, however often the bot restarts that day.
   */
  beganBeforeDatabase: boolean;
}

/** The daily digest per team: what it says, and posting it once per team and local day. */
export class DigestService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      config: CartwatchConfig;
      onChanges?: () => void;
      observer?: Observer;
    },
  ) {}

  /** Since the team's last digest (else 24 hours) to `now`, each figure beside the window before. */
  async factsFor(team: string, now = this.deps.clock.now()): Promise<DigestFacts> {
    const { store } = this.deps;
    const previous = await store.previousDigest(team, localDate(now, this.zoneOf(team)));
    // From where the last digest stopped (no overlap after a catch-up, no gap or double hour on a
    // clock change), else the last 24 hours; the day before is a window of the same length.
    const from =
      previous !== undefined && previous.to < now && now - previous.to <= 2 * DAY ? previous.to : now - DAY;
    const [today, yesterday, live] = await Promise.all([
      store.changesOfTeam(team, from, now),
      store.changesOfTeam(team, from - (now - from), from),
      store.liveOfTeam(team),
    ]);
    const count = (changes: AuditedChange[], action: string) =>
      changes.filter((c) => c.action === action).length;
    const compared = (action: string) => ({ now: count(today, action), before: count(yesterday, action) });
    const opened = today.filter((c) => c.action === 'opened');
    const oldest = live.find((e) => e.state === 'open');
    const facts: DigestFacts = {
      team,
      localDate: localDate(now, this.zoneOf(team)),
      from,
      to: now,
      opened: compared('opened'),
      acknowledged: compared('acknowledged'),
      resolved: compared('resolved'),
      autoResolved: compared('auto_resolved'),
      carriedOver: live.filter((e) => e.firstSeenAt < from).length,
      stillOpen: live.length,
      medianAckMs: {
        now: medianWait(today, ['acknowledged']),
        before: medianWait(yesterday, ['acknowledged']),
      },
      medianResolveMs: {
        now: medianWait(today, ['resolved', 'auto_resolved']),
        before: medianWait(yesterday, ['resolved', 'auto_resolved']),
      },
      topSteps: topCounts(
        opened.map((c) => `${c.stage}.${c.step}`),
        5,
      ).map(({ label, count }) => ({ what: label, count })),
      topErrors: topCounts(
        opened.flatMap((c) => (c.errorCode ? [c.errorCode] : [])),
        5,
      ).map(({ label, count }) => ({
        code: label,
        count,
      })),
      valueAtRisk: valueAtRisk(live),
      ...(await noiseFacts(this.deps, team, { from, to: now })),
      silenced: (await store.silencedOfTeam(team, from, now)).map(({ silence, count }) => ({
        reason: silence.reason,
        ...(silence.maintenance !== undefined && { maintenance: true }),
        count,
      })),
    };
    if (previous) {
      facts.previous = {
        localDate: previous.localDate,
        stillOpen: previous.stillOpen,
        carriedOver: previous.carriedOver,
        valueAtRisk: previous.valueAtRisk,
      };
    }
    if (oldest) {
      facts.oldestUnclaimed = {
        kind: oldest.kind,
        what: `${oldest.kind} ${oldest.stage}.${oldest.step}`,
        since: oldest.firstSeenAt,
        ...(oldest.cartId !== undefined && { cartId: oldest.cartId }),
      };
    }
    return facts;
  }

  /**
   * Posts the team's digest for its local day unless that day already has one, or began before the
   * database did (`evenOnFirstDay` posts that one too: the sandbox's demo, which fills the first day).
   * The run is recorded with its outbox row in one transaction, so restarts, a second scheduler or a
   * clock change cannot post it twice.
   */
  async run(team: string, options: { evenOnFirstDay?: boolean } = {}): Promise<DigestOutcome> {
    const now = this.deps.clock.now();
    const channel = this.deps.config.teams[team]?.channel;
    if (channel === undefined) throw new Error(`no team "${team}" in the config`);
    const { localDate: day, run, beganBeforeDatabase } = await this.dayOf(team, now);
    if (run) return 'already_ran';
    if (beganBeforeDatabase && !options.evenOnFirstDay) return 'before_database';
    const facts = await this.factsFor(team, now);
    const post = !(this.deps.config.digest.skipQuiet && isQuiet(facts));
    const recorded = await this.deps.store.recordDigest({
      team,
      localDate: day,
      channel,
      facts,
      at: now,
      post,
    });
    const outcome: DigestOutcome = !recorded ? 'already_ran' : post ? 'posted' : 'quiet_skipped';
    this.deps.observer?.digestRan(team, outcome);
    if (recorded) this.deps.onChanges?.();
    return outcome;
  }

  /** On start: a digest whose time has passed today and did not run (the bot was down) runs now. */
  async catchUp(): Promise<string[]> {
    const now = this.deps.clock.now();
    const ran: string[] = [];
    for (const team of Object.keys(this.deps.config.teams)) {
      if (!this.isPastDigestTime(team, now)) continue;
      if ((await this.run(team)) === 'posted') ran.push(team);
    }
    return ran;
  }

  async dayOf(team: string, now = this.deps.clock.now()): Promise<DigestDay> {
    const zone = this.zoneOf(team);
    const day = localDate(now, zone);
    const [run, databaseCreatedAt] = await Promise.all([
      this.deps.store.digestRunOn(team, day),
      this.deps.store.createdAt(),
    ]);
    return {
      team,
      zone,
      localDate: day,
      ...(run && { run }),
      databaseCreatedAt,
      // Dates compare as text: made on this local date (or, with a clock set back, after it).
      beganBeforeDatabase: localDate(databaseCreatedAt, zone) >= day,
    };
  }

  zoneOf(team: string): string {
    return this.deps.config.teams[team]?.timezone ?? this.deps.config.timezone;
  }

  private isPastDigestTime(team: string, now: number): boolean {
    const [hour = 0, minute = 0] = this.deps.config.digest.at.split(':').map(Number);
    const local = localParts(now, this.zoneOf(team));
    return local.hour * 60 + local.minute >= hour * 60 + minute;
  }
}

function medianWait(changes: readonly AuditedChange[], actions: readonly string[]): number | undefined {
  return median(changes.filter((c) => actions.includes(c.action)).map((c) => c.at - c.firstSeenAt));
}
