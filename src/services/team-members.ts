import type { CartwatchConfig } from '../config.js';

/**
 * Who may act for a team: a team with `members` lets only them act, the users it lists and the
 * people in the user groups it lists; a team without lets anyone. When a group cannot be read (no
 * usergroups:read, Slack down) it admits nobody.
 */
export class TeamMembers {
  constructor(
    private readonly deps: {
      config: CartwatchConfig;
      /** The people in a Slack user group, for teams whose `members` name one. */
      userGroupMembers?: (groupId: string) => Promise<string[]>;
    },
  ) {}

  async mayAct(team: string, user: string): Promise<boolean> {
    const members = this.deps.config.teams[team]?.members;
    if (members === undefined || members.includes(user)) return true;
    for (const group of members.filter((id) => id.startsWith('S'))) {
      const people = await this.deps.userGroupMembers?.(group).catch(() => undefined);
      if (people?.includes(user)) return true;
    }
    return false;
  }
}
