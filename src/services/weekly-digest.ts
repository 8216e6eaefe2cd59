import type { CartwatchConfig } from '../config.js';
import { addDays, atLocalTime, localDate } from '../domain/local-time.js';
import { isQuietTrend, trendPeriod } from '../domain/trends.js';
import { isoWeek, lastWeeklyDate, type WeeklyDigestFacts } from '../domain/weekly.js';
import type { DigestRun, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { DigestOutcome } from './digest.js';
import type { TrendService } from './trends.js';

const WEEK_DAYS = 7;

/** The weekly digest a team is due now (or was last due), and where it stands. */
export interface WeeklyDue {
  team: string;
  zone: string;
  /** The local date it is due on; it tells the seven days before. */
  date: string;
  week: string;
  dueAt: number;
  run?: DigestRun;
  /** When trends began counting: the database's creation, or the upgrade that brought trends. */
  countingSince: number;
  /** The week it tells began before counting did: nobody watched all of it, so none is posted. */
  beganBeforeDatabase: boolean;
}

/**
 * The weekly digest per team (digest.weekly, Mondays at 09:00 by default): the seven local days
 * before its day against the seven before them. Posted once per team and ISO week, recorded with
 * its outbox row, like the daily digest; one missed while the bot was down is posted when it
 * starts, the same local day.
 */
export class WeeklyDigestService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      config: CartwatchConfig;
      trends: TrendService;
      onChanges?: () => void;
    },
  ) {}

  get enabled(): boolean {
    return this.deps.config.digest.weekly !== undefined;
  }

  /** The latest weekly digest due for the team at `now`; undefined when weekly digests are off. */
  async dueOf(team: string, now = this.deps.clock.now()): Promise<WeeklyDue | undefined> {
    const schedule = this.deps.config.digest.weekly;
    if (schedule === undefined) return undefined;
    const zone = this.zoneOf(team);
    let date = lastWeeklyDate(localDate(now, zone), schedule.weekday);
    // Its day but not yet its time: the one due is last week's.
    if (atLocalTime(date, schedule.time, zone) > now) date = addDays(date, -WEEK_DAYS);
    const week = isoWeek(date);
    const [run, countingSince] = await Promise.all([
      this.deps.store.weeklyDigestRunOn(team, week),
      this.deps.store.trendsSince(),
    ]);
    return {
      team,
      zone,
      date,
      week,
      dueAt: atLocalTime(date, schedule.time, zone),
      ...(run && { run }),
      countingSince,
      beganBeforeDatabase: countingSince > atLocalTime(addDays(date, -WEEK_DAYS), '00:00', zone),
    };
  }

  /** The figures of the week before `date` (a local date in the team's zone), against the week before it. */
  async factsFor(team: string, date: string, week = isoWeek(date)): Promise<WeeklyDigestFacts> {
    const { store, trends } = this.deps;
    const zone = this.zoneOf(team);
    const period = trendPeriod({ lastDate: addDays(date, -1), count: WEEK_DAYS, zone });
    const facts = await trends.over(period, { team }, { endIsNow: false });
    const [suppressed, silenced] = await Promise.all([
      store.suppressedCounts(team, facts.from, facts.to),
      store.silencedOfTeam(team, facts.from, facts.to),
    ]);
    return {
      ...facts,
      team,
      week,
      suppressed,
      silenced: silenced.map(({ silence, count }) => ({
        reason: silence.reason,
        ...(silence.maintenance !== undefined && { maintenance: true }),
        count,
      })),
    };
  }

  /**
   * Posts the team's weekly digest due now unless it already ran, or its week began before the
   * database (`evenOnFirstWeek` posts that one too). Recorded with its outbox row in one
   * transaction: restarts, a second scheduler or a clock change cannot post it twice.
   */
  async run(team: string, options: { evenOnFirstWeek?: boolean } = {}): Promise<DigestOutcome | 'off'> {
    const channel = this.deps.config.teams[team]?.channel;
    if (channel === undefined) throw new Error(`no team "${team}" in the config`);
    const due = await this.dueOf(team);
    if (due === undefined) return 'off';
    if (due.run) return 'already_ran';
    if (due.beganBeforeDatabase && !options.evenOnFirstWeek) return 'before_database';
    const facts = await this.factsFor(team, due.date, due.week);
    const post = !(this.deps.config.digest.skipQuiet && isQuietTrend(facts));
    const recorded = await this.deps.store.recordWeeklyDigest({
      team,
      isoWeek: due.week,
      channel,
      facts,
      at: this.deps.clock.now(),
      post,
    });
    if (recorded) this.deps.onChanges?.();
    return !recorded ? 'already_ran' : post ? 'posted' : 'quiet_skipped';
  }

  /**
   * Every team's weekly digest due today (in its zone) that has not run: the bot was down at its
   * time, or a firing was missed. A week whose day has passed is not posted late by itself (the
   * next one is closer); `cartwatch digest --weekly` still posts it.
   */
  async catchUp(): Promise<string[]> {
    if (!this.enabled) return [];
    const now = this.deps.clock.now();
    const posted: string[] = [];
    for (const team of Object.keys(this.deps.config.teams)) {
      const due = await this.dueOf(team, now);
      if (due === undefined || due.run || localDate(now, due.zone) !== due.date) continue;
      if ((await this.run(team)) === 'posted') posted.push(team);
    }
    return posted;
  }

  zoneOf(team: string): string {
    return this.deps.config.teams[team]?.timezone ?? this.deps.config.timezone;
  }
}
