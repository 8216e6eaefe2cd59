import type { WebClient } from '@slack/web-api';

export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/**
 * Who the bot is (auth.test), asked when first needed and kept once known. Bolt would ask at
 * construction and keep a failure forever; asking here means a Slack outage at start-up neither
 * crashes the process nor poisons every later request.
 */
export class BotIdentityCache {
  private known: BotIdentity | undefined;
  private asking: Promise<BotIdentity> | undefined;

  constructor(private readonly client: WebClient) {}

  get(): Promise<BotIdentity> {
    if (this.known) return Promise.resolve(this.known);
    this.asking ??= this.client.auth
      .test()
      .then((reply) => {
        this.known = { botId: reply.bot_id ?? '', botUserId: reply.user_id ?? '' };
        return this.known;
      })
      .finally(() => {
        this.asking = undefined;
      });
    return this.asking;
  }
}
