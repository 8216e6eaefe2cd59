import type { CartwatchConfig } from '../config.js';
import { unchangedHandoff } from '../domain/exception.js';
import type { ActionOutcome, PersonAction } from '../store/exception-types.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Observer } from './observer.js';
import { tellOutsider, tellPrivately } from './private-reply.js';
import { TeamMembers } from './team-members.js';

export interface ActRequest {
  exceptionId: number;
  action: PersonAction;
  /** The Slack user who clicked. */
  actor: string;
  /** The revision their message showed. */
  revision: number;
  /** Where to answer them privately; absent for clicks on the Home tab (the exception's channel is used). */
  channel?: string;
  note?: string;
}

export interface ReassignRequest {
  exceptionId: number;
  revision: number;
  actor: string;
  channel: string;
  note: string;
  team?: string;
  assignee?: string;
}

export type ActResult = ActionOutcome | { ok: false; reason: 'forbidden' | 'unchanged' };

/** A click on a storm's message: the group and the revision its message showed. */
export interface GroupRequest {
  groupId: number;
  revision: number;
  /** The newest member the clicked drawing showed; absent (a drawing from before it was kept): all. */
  upTo?: number;
  actor: string;
  /** Where to answer them privately. */
  channel: string;
}

function groupInput(request: GroupRequest) {
  const { groupId, revision, upTo, actor } = request;
  return { groupId, revision, actor, ...(upTo !== undefined && { upTo }) };
}

const STALE_TEXT =
  'This exception changed since your message was drawn, so nothing was done. The message now shows where it stands.';

/** Acknowledge, unacknowledge and resolve: permission, the change with its audit entry, and the reply. */
export class ExceptionActions {
  private readonly members: TeamMembers;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      config: CartwatchConfig;
      onChanges?: () => void;
      observer?: Observer;
      /** The people in a Slack user group, for teams whose `members` name one. */
      userGroupMembers?: (groupId: string) => Promise<string[]>;
    },
  ) {
    this.members = new TeamMembers(deps);
  }

  async act(request: ActRequest): Promise<ActResult> {
    const { store, clock } = this.deps;
    const found = await store.findException(request.exceptionId);
    if (found === null) {
      await tellPrivately(this.deps, request, 'That exception does not exist (any more); nothing was done.');
      return { ok: false, reason: 'not_found' };
    }
    const exception = found;
    request = { ...request, channel: request.channel ?? exception.channel };
    if (!(await this.mayAct(exception.team, request.actor))) {
      await tellOutsider(this.deps, request, exception.team, 'act on its exceptions');
      return { ok: false, reason: 'forbidden' };
    }
    const outcome = await store.applyAction({
      exceptionId: request.exceptionId,
      action: request.action,
      actor: request.actor,
      revision: request.revision,
      at: clock.now(),
      ...(request.note !== undefined && { note: request.note }),
    });
    if (outcome.ok && request.action !== 'unacknowledge') {
      this.deps.observer?.exceptionHandled(request.action, clock.now() - exception.firstSeenAt);
    }
    if (!outcome.ok && outcome.reason === 'stale') await tellPrivately(this.deps, request, STALE_TEXT);
    this.deps.onChanges?.();
    return outcome;
  }

  /** See TeamMembers: a team with `members` lets only them act. */
  private mayAct(team: string, user: string): Promise<boolean> {
    return this.members.mayAct(team, user);
  }

  /** Why this handoff would change nothing, for the modal to say before it closes; undefined when it would. */
  reassignProblem(
    exception: { team: string; assignee?: string },
    to: { team?: string; assignee?: string },
  ): string | undefined {
    return unchangedHandoff(exception, to);
  }

  /** The exception as it stands, for a modal's checks. */
  findException(id: number) {
    return this.deps.store.findException(id);
  }

  /** Hands the exception to another team and/or person; the note travels with it. */
  async reassign(request: ReassignRequest): Promise<ActResult> {
    const { store, clock, config } = this.deps;
    const exception = await store.findException(request.exceptionId);
    if (exception === null) return { ok: false, reason: 'not_found' };
    if (!(await this.mayAct(exception.team, request.actor))) {
      await tellOutsider(this.deps, request, exception.team, 'reassign its exceptions');
      return { ok: false, reason: 'forbidden' };
    }
    const unchanged = this.reassignProblem(exception, request);
    if (unchanged !== undefined) {
      await tellPrivately(this.deps, request, `${unchanged} Nothing was done.`);
      return { ok: false, reason: 'unchanged' };
    }
    const team = request.team === undefined ? undefined : config.teams[request.team];
    const outcome = await store.applyReassign({
      exceptionId: request.exceptionId,
      revision: request.revision,
      actor: request.actor,
      at: clock.now(),
      note: request.note,
      ...(request.team !== undefined &&
        team !== undefined && { team: { name: request.team, channel: team.channel } }),
      ...(request.assignee !== undefined && { assignee: request.assignee }),
    });
    if (!outcome.ok && outcome.reason === 'stale') await tellPrivately(this.deps, request, STALE_TEXT);
    this.deps.onChanges?.();
    return outcome;
  }

  /** "Acknowledge all" on a storm: permission is checked once, for the group's team, as for one exception. */
  async acknowledgeAll(request: GroupRequest) {
    return this.onGroup(request, async (at) => {
      const outcome = await this.deps.store.acknowledgeGroup({ ...groupInput(request), at });
      if (outcome.ok)
        for (const ms of outcome.acknowledgedAfterMs) this.deps.observer?.exceptionHandled('acknowledge', ms);
      return outcome;
    });
  }

  /** "Resolve all" on a storm: every open and acknowledged member, the note in each one's audit trail. */
  async resolveAll(request: GroupRequest & { note?: string }) {
    return this.onGroup(request, async (at) => {
      const note = request.note === undefined ? {} : { note: request.note };
      const outcome = await this.deps.store.resolveGroup({ ...groupInput(request), at, ...note });
      if (outcome.ok)
        for (const ms of outcome.resolvedAfterMs) this.deps.observer?.exceptionHandled('resolve', ms);
      return outcome;
    });
  }

  /** What every storm action shares: the group must exist, the actor may act for its team, a stale click is told. */
  private async onGroup<T extends { ok: true } | { ok: false; reason: 'not_found' | 'stale' }>(
    request: GroupRequest,
    change: (at: number) => Promise<T>,
  ): Promise<T | { ok: false; reason: 'not_found' | 'forbidden' }> {
    const group = await this.deps.store.findGroup(request.groupId);
    if (group === null) {
      await tellPrivately(this.deps, request, 'That group does not exist (any more); nothing was done.');
      return { ok: false, reason: 'not_found' };
    }
    if (!(await this.mayAct(group.team, request.actor))) {
      await tellOutsider(this.deps, request, group.team, 'act on its exceptions');
      return { ok: false, reason: 'forbidden' };
    }
    const outcome = await change(this.deps.clock.now());
    if (!outcome.ok && outcome.reason === 'stale') await tellPrivately(this.deps, request, STALE_TEXT);
    this.deps.onChanges?.();
    return outcome;
  }

  /** The teams a modal may offer. */
  teamNames(): string[] {
    return Object.keys(this.deps.config.teams);
  }
}
