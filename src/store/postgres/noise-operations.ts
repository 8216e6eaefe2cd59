import type { DuePolicy } from '../../domain/due-policy.js';
import type { NoiseMatch } from '../../domain/noise.js';
import type { FailureSample } from '../../domain/rates.js';
import type { Silence } from '../../domain/silence.js';
import { countByReason } from '../../domain/suppression.js';
import type { ActionOutcome } from '../exception-types.js';
import type { RateReadout, RateReadoutInput } from '../noise-types.js';
import type {
  ActiveSilence,
  EndSilenceInput,
  EndSilenceOutcome,
  NewSilence,
  NoiseSweepInput,
  NoiseSweepOutcome,
  SilenceAuditEntry,
  SilencedCount,
  SilenceOutcome,
  SilencePreview,
  SnoozeInput,
} from '../silence-types.js';
import { type Sql, transaction } from './connection.js';
import { ExceptionWriter } from './exception-writer.js';
import { NoiseQueries } from './noise-queries.js';
import { NoiseWriter } from './noise-writer.js';
import { SilenceQueries } from './silence-queries.js';
import { SilenceWriter } from './silence-writer.js';

/**
 * The Postgres store's noise operations (counts and rate readouts, silences, snoozes, the noise
 * sweep): each write one transaction on the pool, each read a query or a few asked together.
 */
export class NoiseOperations {
  private readonly noiseQueries: NoiseQueries;
  private readonly silenceQueries: SilenceQueries;
  private readonly counts: NoiseWriter;
  private readonly silences: SilenceWriter;

  constructor(
    private readonly sql: Sql,
    readonly policy: DuePolicy,
    readonly instance: string,
  ) {
    const exceptions = new ExceptionWriter(policy);
    this.noiseQueries = new NoiseQueries(sql);
    this.silenceQueries = new SilenceQueries(sql);
    this.counts = new NoiseWriter(exceptions);
    this.silences = new SilenceWriter(exceptions, policy);
  }

  rateReadout(input: RateReadoutInput): Promise<RateReadout> {
    return this.noiseQueries.rateReadout(input);
  }

  failuresSince(since: number): Promise<FailureSample[]> {
    return this.noiseQueries.failuresSince(since);
  }

  async suppressedCounts(
    team: string,
    from: number,
    to: number,
  ): Promise<{ reason: string; count: number }[]> {
    return countByReason(await this.noiseQueries.suppressedOf(team, from, to));
  }

  pruneNoiseCounts(cutoff: number): Promise<number> {
    return transaction(this.sql, (tx) => this.counts.pruneBefore(tx, cutoff));
  }

  createSilence(input: NewSilence): Promise<SilenceOutcome> {
    return transaction(this.sql, (tx) => this.silences.create(tx, input));
  }

  endSilence(input: EndSilenceInput): Promise<EndSilenceOutcome> {
    return transaction(this.sql, (tx) => this.silences.end(tx, input));
  }

  findSilence(id: number): Promise<Silence | null> {
    return this.silenceQueries.find(id);
  }

  activeSilences(now: number): Promise<ActiveSilence[]> {
    return this.silenceQueries.active(now);
  }

  silenceAudit(id: number): Promise<SilenceAuditEntry[]> {
    return this.silenceQueries.audit(id);
  }

  silencePreview(team: string, match: NoiseMatch, now: number): Promise<SilencePreview> {
    return this.silenceQueries.preview(team, match, now);
  }

  silencedOfTeam(team: string, from: number, to: number): Promise<SilencedCount[]> {
    return this.silenceQueries.silencedOfTeam(team, from, to);
  }

  silenceCounts(now: number) {
    return this.silenceQueries.counts(now);
  }

  snoozeException(input: SnoozeInput): Promise<ActionOutcome> {
    return transaction(this.sql, (tx) => this.silences.snoozes.snooze(tx, input));
  }

  sweepNoise(input: NoiseSweepInput): Promise<NoiseSweepOutcome> {
    return transaction(this.sql, (tx) => this.silences.sweep(tx, input));
  }
}
