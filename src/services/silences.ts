import type { CartwatchConfig } from '../config.js';
import { parseDuration } from '../config.js';
import type { NoiseMatch } from '../domain/noise.js';
import {
  ALL_TEAMS,
  matchLike,
  type Silence,
  type SilenceField,
  type SilenceProblems,
  silenceProblems,
} from '../domain/silence.js';
import type { ActiveSilence, SilenceOutcome, SilencePreview } from '../store/silence-types.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import { tellOutsider } from './private-reply.js';
import type { TeamMembers } from './team-members.js';

/** A silence someone asks for: a team, what else it matches, how long and why. */
export interface SilenceRequest {
  team: string;
  /** Besides the team: stage, step, error code, source. */
  match: NoiseMatch;
  forMs: number;
  reason: string;
  /** A Slack user id, or "cli:<login>". */
  actor: string;
  /** Where to answer a Slack user privately. */
  channel?: string;
}

export type CreateResult =
  | { ok: true; outcome: SilenceOutcome }
  | { ok: false; reason: 'unknown_team' | 'forbidden' }
  | { ok: false; reason: 'invalid'; problems: SilenceProblems };

/** The Silence modal as submitted: the exception it was opened from, and what was chosen. */
export interface SilenceForm {
  exceptionId: number;
  /** The team the exception had when the form was drawn. */
  team: string;
  kept: SilenceField[];
  /** "30m" … "7d", as the modal offers. */
  duration: string;
  reason: string;
  actor: string;
  channel: string;
}

export type FormResult = { ok: true; request: SilenceRequest } | { ok: false; problems: SilenceProblems };

export type EndResult =
  | { ok: true; silence: Silence }
  | { ok: false; reason: 'not_found' | 'forbidden' }
  | { ok: false; reason: 'already_ended'; silence: Silence };

/** Silences from Slack and the command line: checked, made or extended, listed and ended early. */
export class SilenceService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      config: CartwatchConfig;
      members: TeamMembers;
      onChanges?: () => void;
      /** Tells an ended silence's end now, rather than at the next sweep (the running bot). */
      settleNow?: () => Promise<void>;
    },
  ) {}

  teamNames(): string[] {
    return Object.keys(this.deps.config.teams);
  }

  /** Whether the person may silence (or end silences of) every team the silence covers. */
  async mayAct(silence: { team: string; match?: NoiseMatch }, user: string): Promise<boolean> {
    for (const team of this.teamsOf(silence)) if (!(await this.deps.members.mayAct(team, user))) return false;
    return true;
  }

  /** A team's silence covers it; a maintenance window over all teams, those it names or every one. */
  private teamsOf(silence: { team: string; match?: NoiseMatch }): string[] {
    if (silence.team !== ALL_TEAMS) return [silence.team];
    return silence.match?.team ?? this.teamNames();
  }

  /**
   * Reads a submitted Silence modal into a request, or says what is wrong, in words for the modal:
   * the exception must still be there and with the same team, the person one of its members, and
   * the silence itself sound (silenceProblems).
   */
  async requestFrom(form: SilenceForm): Promise<FormResult> {
    const exception = await this.deps.store.findException(form.exceptionId);
    if (exception === null) return { ok: false, problems: { match: 'That exception no longer exists.' } };
    if (exception.team !== form.team) {
      const moved = `It moved to the ${exception.team} team since this form was opened; open Silence like this… again from its message.`;
      return { ok: false, problems: { match: moved } };
    }
    if (!(await this.mayAct({ team: exception.team }, form.actor))) {
      return {
        ok: false,
        problems: { match: `Only members of the ${exception.team} team may silence its exceptions.` },
      };
    }
    const request: SilenceRequest = {
      team: exception.team,
      match: matchLike(exception, form.kept),
      forMs: durationOf(form.duration),
      reason: form.reason,
      actor: form.actor,
      channel: form.channel,
    };
    const problems = silenceProblems(request);
    return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, request };
  }

  preview(team: string, match: NoiseMatch): Promise<SilencePreview> {
    return this.deps.store.silencePreview(team, match, this.deps.clock.now());
  }

  /** `checkMembers`: from Slack, only the team's members may; the command line is trusted. */
  async create(request: SilenceRequest, options: { checkMembers: boolean }): Promise<CreateResult> {
    const { store, clock, config } = this.deps;
    const team = config.teams[request.team];
    if (team === undefined) return { ok: false, reason: 'unknown_team' };
    const problems = silenceProblems(request);
    if (Object.keys(problems).length > 0) return { ok: false, reason: 'invalid', problems };
    if (options.checkMembers && !(await this.mayAct({ team: request.team }, request.actor))) {
      await tellOutsider(this.deps, request, request.team, 'silence its exceptions');
      return { ok: false, reason: 'forbidden' };
    }
    const at = clock.now();
    const outcome = await store.createSilence({
      team: request.team,
      match: request.match,
      reason: request.reason.trim(),
      createdBy: request.actor,
      at,
      endsAt: at + request.forMs,
      channel: team.channel,
    });
    this.deps.onChanges?.();
    return { ok: true, outcome };
  }

  /** Ends a silence early; what it held back is posted with its summary within a sweep (at once in the bot). */
  async end(
    request: { id: number; actor: string; channel?: string },
    options: { checkMembers: boolean },
  ): Promise<EndResult> {
    const { store, clock } = this.deps;
    const silence = await store.findSilence(request.id);
    if (silence === null) return { ok: false, reason: 'not_found' };
    if (options.checkMembers && !(await this.mayAct(silence, request.actor))) {
      const teams = this.teamsOf(silence).join(', ');
      await tellOutsider(this.deps, request, teams, 'end this silence');
      return { ok: false, reason: 'forbidden' };
    }
    const outcome = await store.endSilence({ id: request.id, actor: request.actor, at: clock.now() });
    if (outcome.ok) await this.deps.settleNow?.();
    this.deps.onChanges?.();
    return outcome;
  }

  active(): Promise<ActiveSilence[]> {
    return this.deps.store.activeSilences(this.deps.clock.now());
  }
}

/** A duration as written ("2h"), or 0 (which silenceProblems reports) when it is not one. */
export function durationOf(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return 0;
  }
}
