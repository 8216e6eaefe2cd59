import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { localFilesBase } from './config/env.js';
import { ConfigError, type Env } from './config.js';

export type SlackMode = 'slack' | 'none';

export interface IngestSecret {
  value: string | undefined;
  /** Made by this start for a local run without Slack (and kept in `file`). */
  generated: boolean;
  /** Where a local run's secret is kept, beside the database: made now, or read from an earlier run. */
  file?: string;
}

export function checkSlackCredentials(env: Env): SlackMode {
  const hasHttp = env.slackBotToken !== undefined && env.slackSigningSecret !== undefined;
  const hasSocket = env.slackBotToken !== undefined && env.slackAppToken !== undefined;
  if (hasHttp || hasSocket) return 'slack';
  if (!env.production) return 'none';
  throw new ConfigError('ENV_INVALID', [
    'SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode): required when ' +
      'NODE_ENV=production. Create the Slack app from manifest.yml, install it, and copy the bot token ' +
      'and signing secret into the environment or .env.',
  ]);
}

/**
 * Without a configured secret, a local run makes one and keeps it beside the database, so the
 * curl line shown at start keeps working across restarts. Live Slack mode never invents one.
 */
export function resolveIngestSecret(env: Env, slackMode: SlackMode): IngestSecret {
  if (env.ingestSecret !== undefined) return { value: env.ingestSecret, generated: false };
  if (slackMode === 'slack' || env.production) {
    return { value: undefined, generated: false };
  }
  const file = path.join(path.dirname(localFilesBase(env.dbPath)), 'ingest-secret');
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), generated: false, file };
  mkdirSync(path.dirname(file), { recursive: true });
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, generated: true, file };
}
