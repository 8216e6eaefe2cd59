import type { WebClient } from '@slack/web-api';

/** Display names for thread notes, looked up once per user (users.info) and kept. */
export class UserNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly client: WebClient) {}

  async load(userIds: Iterable<string>): Promise<void> {
    for (const id of userIds) {
      if (this.names.has(id) || !/^[UW][A-Z0-9]+$/.test(id)) continue;
      try {
        const { user } = await this.client.users.info({ user: id });
        this.names.set(id, user?.profile?.display_name || user?.real_name || user?.name || id);
      } catch {
        // A name is a nicety: without users:read, or while Slack is down, the id will do.
        this.names.set(id, id);
      }
    }
  }

  nameOf = (userId: string): string => this.names.get(userId) ?? userId;
}
