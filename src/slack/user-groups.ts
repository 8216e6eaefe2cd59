import type { WebClient } from '@slack/web-api';

const KEEP_MS = 5 * 60_000;

/**
 * Members of Slack user groups (usergroups.users.list), kept five minutes: a team whose `members`
 * names a group admits the people in it. A lookup that fails rejects, and the caller refuses.
 */
export class UserGroups {
  private readonly cache = new Map<string, { users: string[]; until: number }>();

  constructor(private readonly client: WebClient) {}

  membersOf = async (groupId: string): Promise<string[]> => {
    const kept = this.cache.get(groupId);
    if (kept && kept.until > Date.now()) return kept.users;
    const reply = await this.client.usergroups.users.list({ usergroup: groupId });
    const users = reply.users ?? [];
    this.cache.set(groupId, { users, until: Date.now() + KEEP_MS });
    return users;
  };
}
