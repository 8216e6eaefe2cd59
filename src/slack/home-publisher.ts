import type { View, WebClient } from '@slack/web-api';
import type { CartwatchConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { CartStatusService } from '../services/cart-status.js';
import { renderHome } from './blocks/home.js';

/**
 * Draws a person's Home tab from current state, when they open it and after they act. A view is
 * not a message: it is published directly, and a failure only means a stale tab until next time.
 */
export class HomePublisher {
  constructor(
    private readonly deps: {
      client: WebClient;
      status: CartStatusService;
      config: CartwatchConfig;
      logger: Logger;
    },
  ) {}

  /**
   * After someone acted: their Home is redrawn when the action changed something, or found it had
   * changed already. A refused or unknown request leaves Slack as it was.
   */
  async refreshAfter(userId: string, outcome: { ok: boolean; reason?: string } | undefined): Promise<void> {
    if (outcome && (outcome.ok || outcome.reason === 'stale')) await this.refresh(userId);
  }

  async refresh(userId: string): Promise<void> {
    try {
      const [assigned, overview] = await Promise.all([
        this.deps.status.mine(userId),
        this.deps.status.overview(),
      ]);
      const view = renderHome({ assigned, overview, teams: this.teamsOf(userId) });
      // Renderers build plain Block Kit JSON; the client's View type is stricter than it needs to be here.
      await this.deps.client.views.publish({ user_id: userId, view: view as unknown as View });
    } catch (error) {
      this.deps.logger.warn(`Home tab for ${userId} not refreshed:`, error);
    }
  }

  /** Teams that list the person as a member, else every team (membership may be a user group). */
  private teamsOf(userId: string): string[] {
    const teams = Object.entries(this.deps.config.teams);
    const listed = teams.filter(([, team]) => team.members?.includes(userId)).map(([name]) => name);
    return listed.length > 0 ? listed : teams.map(([name]) => name);
  }
}
