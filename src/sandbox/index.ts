import { randomBytes } from 'node:crypto';
import type { CartwatchConfig, Env } from '../config.js';
import type { Handler } from '../http/server.js';
import type { Logger } from '../logger.js';
import { SandboxActor } from './actor.js';
import { journalFileOf, SandboxJournal } from './journal.js';
import { sandboxRoutes } from './routes.js';
import { SANDBOX_API_PREFIX, SANDBOX_PEOPLE, sandboxWebApi } from './web-api.js';
import { type SandboxNames, SandboxWorkspace } from './workspace.js';

export interface Sandbox {
  workspace: SandboxWorkspace;
  /** Route prefixes to mount: the Web API stand-in and the page. */
  routes: Record<string, Handler>;
  /** Exact paths to mount: `/` leads to the page. */
  exactRoutes: Record<string, Handler>;
  /** Slack settings that point the bot at this sandbox, once the server's address is known. */
  slackEnv(env: Env, baseUrl: string): Env;
  /** Keeps what is still unwritten of the channels' messages. */
  close(): void;
}

/**
 * The local Slack stand-in for runs without a workspace: the Web API the bot calls, and a page
 * where a person sees the channels and acts, their clicks sent back signed as Slack would. Its
 * channels' messages are kept beside the database (`dbPath`), so they outlive a restart.
 */
export function createSandbox(
  config: CartwatchConfig,
  options: { dbPath: string; newDatabase: boolean; logger: Logger },
): Sandbox {
  const channels = Object.values(config.teams).map((team) => team.channel);
  if (config.escalation.channel !== undefined) channels.push(config.escalation.channel);
  const workspace = new SandboxWorkspace(channels, sandboxNames(config));
  const journal = new SandboxJournal(
    { workspace, file: journalFileOf(options.dbPath), logger: options.logger },
    { fresh: options.newDatabase },
  );
  const signingSecret = randomBytes(24).toString('hex');
  let baseUrl = '';
  const actor = new SandboxActor({ workspace, baseUrl: () => baseUrl, signingSecret });
  const page = sandboxRoutes({ workspace, actor });
  return {
    workspace,
    routes: { [SANDBOX_API_PREFIX]: sandboxWebApi(workspace), '/sandbox/': page, '/sandbox': page },
    exactRoutes: {
      '/': (_req, res) => {
        res.writeHead(302, { location: '/sandbox', 'content-length': 0 });
        res.end();
      },
    },
    slackEnv(env, url) {
      baseUrl = url;
      return {
        ...env,
        slackBotToken: 'xoxb-sandbox',
        slackSigningSecret: signingSecret,
        slackApiUrl: `${url}${SANDBOX_API_PREFIX}`,
      };
    },
    close: () => journal.close(),
  };
}

/**
 * Names as a Slack workspace would have them: each team's channel after the team (`#payments`),
 * the escalation channel `#escalations`, a team's user group `@payments-team`.
 */
function sandboxNames(config: CartwatchConfig): Partial<SandboxNames> {
  const channels: Record<string, string> = {};
  const groups: Record<string, string> = {};
  for (const [team, { channel, mention }] of Object.entries(config.teams)) {
    channels[channel] ??= team;
    if (mention?.startsWith('S')) groups[mention] ??= `${team}-team`;
  }
  const escalation = config.escalation.channel;
  if (escalation !== undefined) channels[escalation] ??= 'escalations';
  return { channels, groups, people: SANDBOX_PEOPLE, bot: 'Cartwatch' };
}
