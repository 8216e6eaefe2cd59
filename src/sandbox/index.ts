import { randomBytes } from 'node:crypto';
import type { CartwatchConfig, Env } from '../config.js';
import type { Handler } from '../http/server.js';
import { SandboxActor } from './actor.js';
import { sandboxRoutes } from './routes.js';
import { SANDBOX_API_PREFIX, sandboxWebApi } from './web-api.js';
import { SandboxWorkspace } from './workspace.js';

export interface Sandbox {
  workspace: SandboxWorkspace;
  /** Route prefixes to mount: the Web API stand-in and the page. */
  routes: Record<string, Handler>;
  /** Slack settings that point the bot at this sandbox, once the server's address is known. */
  slackEnv(env: Env, baseUrl: string): Env;
}

/**
 * The local Slack stand-in for runs without a workspace: the Web API the bot calls, and a page
 * where a person sees the channels and acts, their clicks sent back signed as Slack would.
 */
export function createSandbox(config: CartwatchConfig): Sandbox {
  const channels = Object.values(config.teams).map((team) => team.channel);
  if (config.escalation.channel !== undefined) channels.push(config.escalation.channel);
  const workspace = new SandboxWorkspace(channels);
  const signingSecret = randomBytes(24).toString('hex');
  let baseUrl = '';
  const actor = new SandboxActor({ workspace, baseUrl: () => baseUrl, signingSecret });
  const page = sandboxRoutes({ workspace, actor });
  return {
    workspace,
    routes: { [SANDBOX_API_PREFIX]: sandboxWebApi(workspace), '/sandbox/': page, '/sandbox': page },
    slackEnv(env, url) {
      baseUrl = url;
      return {
        ...env,
        slackBotToken: 'xoxb-sandbox',
        slackSigningSecret: signingSecret,
        slackApiUrl: `${url}${SANDBOX_API_PREFIX}`,
      };
    },
  };
}
