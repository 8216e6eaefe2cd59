import { WebClient } from '@slack/web-api';
import type { CartwatchConfig, Env } from '../config.js';
import { type Logger, logFields } from '../logger.js';
import { isPostgresUrl } from '../store/database-target.js';
import { type Check, problemsIn } from './check.js';
import { checkConfig, checkDatabase, checkSecrets } from './local-checks.js';
import { checkPostgres } from './postgres-check.js';
import { checkSlack } from './slack-checks.js';
import { checkPublicUrl } from './url-check.js';

export interface DoctorInput {
  env: Env;
  cwd: string;
  /** The public URL the manifest points Slack at; checked when given. */
  url?: string;
  /** For the Slack clients' own warnings. */
  logger: Logger;
  timeoutMs?: number;
}

/** `cartwatch doctor`: everything a live install depends on, each problem with its fix. */
export async function runDoctor(input: DoctorInput): Promise<Check[]> {
  const { env } = input;
  const timeoutMs = input.timeoutMs ?? 10_000;
  const config = checkConfig(env, input.cwd);
  const database = isPostgresUrl(env.dbPath) ? await checkPostgres(env.dbPath) : checkDatabase(env.dbPath);
  const checks = [...config.checks, database, ...checkSecrets(env)];
  if (env.slackBotToken !== undefined) {
    const client = new WebClient(env.slackBotToken, {
      ...(env.slackApiUrl !== undefined && { slackApiUrl: env.slackApiUrl }),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: timeoutMs,
      logger: input.logger,
    });
    checks.push(
      ...(await checkSlack({
        client,
        config: config.config,
        ...(env.slackAppToken !== undefined && { appToken: env.slackAppToken }),
        ...(env.slackApiUrl !== undefined && { slackApiUrl: env.slackApiUrl }),
        timeoutMs,
        logger: input.logger,
      })),
    );
  }
  if (input.url !== undefined)
    checks.push(
      ...(await checkPublicUrl(input.url, { slackEndpoint: env.slackAppToken === undefined, timeoutMs })),
    );
  return checks;
}

/**
 * The same checks at start (secrets, token, scopes, channels, user groups), in the background:
 * one warning per problem with its fix, then a one-line summary. Slack being away is one warning,
 * never a failed start. The config and database are not repeated: start has just used them.
 */
export async function logStartupChecks(input: {
  env: Env;
  config: CartwatchConfig;
  client: WebClient;
  logger: Logger;
}): Promise<void> {
  const { logger } = input;
  const checks = [
    ...checkSecrets(input.env),
    ...(await checkSlack({ client: input.client, config: input.config, logger })),
  ];
  const problems = problemsIn(checks);
  for (const problem of problems)
    logger.warn(
      `start-up check: ${problem.subject}: ${problem.problem}; fix: ${problem.fix}`,
      logFields({ check: problem.subject }),
    );
  if (problems.length === 0) logger.info(`start-up checks passed (${checks.length})`);
  else
    logger.warn(
      `start-up checks: ${problems.length} of ${checks.length} found a problem; \`cartwatch doctor\` checks again`,
    );
}
