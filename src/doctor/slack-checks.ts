import { WebClient } from '@slack/web-api';
import type { CartwatchConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { APP_TOKEN_SCOPE, BOT_SCOPES } from '../slack/scopes.js';
import { classifySlackError } from '../slack/slack-errors.js';
import { type Check, fail, pass } from './check.js';
import { checkChannels, checkUserGroups } from './workspace-checks.js';

export interface SlackCheckInput {
  /** The bot's client (SLACK_BOT_TOKEN); its retries off, so a failure is reported at once. */
  client: WebClient;
  /** Its channels and user groups are checked; undefined when the config could not be used. */
  config: CartwatchConfig | undefined;
  /** Socket Mode's app-level token, checked when set. */
  appToken?: string;
  slackApiUrl?: string;
  timeoutMs?: number;
  logger: Logger;
}

const TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'token_expired',
]);
const REINSTALL =
  'then reinstall the app to the workspace (app settings → Install App), and copy the new bot token if it changed';

/**
 * What the live workspace says about this install: the token, its scopes against the manifest's,
 * the app-level token for Socket Mode, each team channel and each user group the config names.
 */
export async function checkSlack(input: SlackCheckInput): Promise<Check[]> {
  const auth = await checkToken(input.client);
  if (!auth.identity) return auth.checks;
  const bot = `@${auth.identity.user}`;
  return [
    ...auth.checks,
    ...(input.appToken === undefined ? [] : [await checkAppToken(input)]),
    ...(input.config === undefined
      ? []
      : [
          ...(await checkChannels(input.client, input.config, { bot, scopes: auth.identity.scopes })),
          ...(await checkUserGroups(input.client, input.config)),
        ]),
  ];
}

interface Identity {
  user: string;
  /** As Slack reported them in `x-oauth-scopes`; undefined when it did not. */
  scopes: string[] | undefined;
}

async function checkToken(client: WebClient): Promise<{ checks: Check[]; identity?: Identity }> {
  let reply: Awaited<ReturnType<WebClient['auth']['test']>>;
  try {
    reply = await client.auth.test();
  } catch (error) {
    const reason = classifySlackError(error).reason;
    if (TOKEN_ERRORS.has(reason))
      return {
        checks: [
          fail(
            'Slack bot token',
            `Slack refused SLACK_BOT_TOKEN (${reason})`,
            'copy the Bot User OAuth Token (xoxb-…) again from the app settings → OAuth & Permissions, ' +
              'or reinstall the app if it was removed',
          ),
        ],
      };
    return {
      checks: [
        fail(
          'Slack',
          `Slack did not answer auth.test (${connectionCode(error) ?? reason})`,
          'check that this machine reaches slack.com over HTTPS (proxy, firewall, DNS), or SLACK_API_URL if set',
        ),
      ],
    };
  }
  const user = reply.user ?? 'cartwatch';
  const scopes = reply.response_metadata?.scopes;
  const checks = [pass('Slack bot token', `@${user} in ${reply.team ?? '?'} (${reply.team_id ?? '?'})`)];
  checks.push(scopeCheck(scopes));
  return { checks, identity: { user, scopes } };
}

function scopeCheck(granted: string[] | undefined): Check {
  const wanted = Object.keys(BOT_SCOPES);
  if (granted === undefined)
    return pass('scopes', 'Slack did not list the granted scopes (x-oauth-scopes); not compared');
  const missing = wanted.filter((scope) => !granted.includes(scope));
  if (missing.length === 0) return pass('scopes', `all ${wanted.length} that manifest.yml asks for`);
  const why = missing.map((scope) => `${scope} (${BOT_SCOPES[scope]})`).join(', ');
  return fail(
    'scopes',
    `the bot token lacks ${missing.length === 1 ? 'a scope' : 'scopes'} manifest.yml asks for: ${why}`,
    `add ${missing.join(', ')} under OAuth & Permissions → Bot Token Scopes (or paste manifest.yml again), ${REINSTALL}`,
  );
}

async function checkAppToken(input: SlackCheckInput): Promise<Check> {
  const client = new WebClient('', {
    ...(input.slackApiUrl !== undefined && { slackApiUrl: input.slackApiUrl }),
    headers: { Authorization: `Bearer ${input.appToken}` },
    logger: input.logger,
    retryConfig: { retries: 0 },
    timeout: input.timeoutMs ?? 10_000,
  });
  try {
    await client.apps.connections.open();
    return pass('Socket Mode', 'SLACK_APP_TOKEN may open connections');
  } catch (error) {
    const reason = classifySlackError(error).reason;
    return fail(
      'Socket Mode',
      `Slack refused SLACK_APP_TOKEN for apps.connections.open (${reason})`,
      `turn Socket Mode on in the app settings and create an app-level token with ${APP_TOKEN_SCOPE} ` +
        '(Basic Information → App-Level Tokens); set it as SLACK_APP_TOKEN',
    );
  }
}

/** The network error (ECONNREFUSED, ENOTFOUND, …) under the Web API client's wrapping. */
function connectionCode(error: unknown): string | undefined {
  type Cause = { code?: string; message?: string };
  const original = (error as { original?: Cause & { cause?: Cause } }).original;
  return original?.cause?.code ?? original?.cause?.message ?? original?.code;
}
