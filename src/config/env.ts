import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { isPostgresUrl, postgresDatabaseName } from '../store/database-target.js';
import { ConfigError } from './config-error.js';

export interface Env {
  slackBotToken?: string;
  slackSigningSecret?: string;
  slackAppToken?: string;
  /** Ends with '/'. */
  slackApiUrl?: string;
  ingestSecret?: string;
  shopifyWebhookSecret?: string;
  stripeWebhookSecret?: string;
  /** Absolute. */
  configPath?: string;
  /** CARTWATCH_DB: an absolute SQLite file path, or a `postgres://` / `postgresql://` URL kept as given. */
  dbPath: string;
  /** CARTWATCH_INSTANCE: this instance's name in /healthz, /metrics, logs and leases (default: host and pid). */
  instance?: string;
  port: number;
  production: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** `json`: one object per line, for log collectors. */
  logFormat?: 'text' | 'json';
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const LOG_FORMATS = ['text', 'json'] as const;

// Messages never echo secrets: only values that are safe to print appear in them.
const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string()
    .startsWith(
      'xoxb-',
      'must be a bot token starting with xoxb- (Slack app settings → OAuth & Permissions → Bot User OAuth Token)',
    )
    .optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: z
    .string()
    .startsWith(
      'xapp-',
      'must be an app-level token starting with xapp- (Slack app settings → Basic Information → App-Level Tokens)',
    )
    .optional(),
  SLACK_API_URL: z
    .string()
    .refine(isHttpUrl, {
      error: (issue) =>
        `must be an http(s) URL such as https://slack.com/api/, got ${JSON.stringify(issue.input)}`,
    })
    .optional(),
  CARTWATCH_INGEST_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters; generate one with `openssl rand -hex 24`')
    .optional(),
  SHOPIFY_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  CARTWATCH_CONFIG: z.string().optional(),
  CARTWATCH_DB: z.string().default('./data/cartwatch.db'),
  CARTWATCH_INSTANCE: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes, colons or underscores')
    .optional(),
  PORT: z
    .string()
    .default('3000')
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535, {
      error: (issue) => `must be a whole number from 0 to 65535, got ${JSON.stringify(issue.input)}`,
    }),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, {
      error: (issue) => `must be debug, info, warn or error, got ${JSON.stringify(issue.input)}`,
    })
    .default('info'),
  LOG_FORMAT: z
    .enum(LOG_FORMATS, {
      error: (issue) => `must be text or json, got ${JSON.stringify(issue.input)}`,
    })
    .default('text'),
});

/**
 * The environment Cartwatch runs with. The real environment wins over a .env file in `cwd`;
 * empty values count as unset. This is the only reader of process.env.
 */
export function loadEnv(
  options: { env?: Record<string, string | undefined>; cwd?: string; readDotEnv?: boolean } = {},
): Env {
  const cwd = options.cwd ?? process.cwd();
  const fromFile = options.readDotEnv === false ? {} : readDotEnv(cwd);
  const merged = { ...withoutEmpty(fromFile), ...withoutEmpty(options.env ?? process.env) };
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      'ENV_INVALID',
      parsed.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  return {
    ...optionalEntry('slackBotToken', e.SLACK_BOT_TOKEN),
    ...optionalEntry('slackSigningSecret', e.SLACK_SIGNING_SECRET),
    ...optionalEntry('slackAppToken', e.SLACK_APP_TOKEN),
    ...optionalEntry('slackApiUrl', e.SLACK_API_URL?.replace(/\/*$/, '/')),
    ...optionalEntry('ingestSecret', e.CARTWATCH_INGEST_SECRET),
    ...optionalEntry('shopifyWebhookSecret', e.SHOPIFY_WEBHOOK_SECRET),
    ...optionalEntry('stripeWebhookSecret', e.STRIPE_WEBHOOK_SECRET),
    ...optionalEntry('configPath', e.CARTWATCH_CONFIG && path.resolve(cwd, e.CARTWATCH_CONFIG)),
    dbPath: isPostgresUrl(e.CARTWATCH_DB) ? e.CARTWATCH_DB : path.resolve(cwd, e.CARTWATCH_DB),
    ...optionalEntry('instance', e.CARTWATCH_INSTANCE),
    port: Number(e.PORT),
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
  };
}

/**
 * Where a run without Slack keeps its own files (the generated ingest secret, the sandbox's
 * messages), named like a database file: the SQLite file itself, whose folder and name they share;
 * on Postgres, `data/<database>` under the folder Cartwatch started from (the default SQLite folder).
 */
export function localFilesBase(dbPath: string, cwd = process.cwd()): string {
  return isPostgresUrl(dbPath) ? path.resolve(cwd, 'data', postgresDatabaseName(dbPath)) : dbPath;
}

/** `{ key: value }` when there is a value, `{}` otherwise, so optional keys stay absent. */
function optionalEntry<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: string });
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function readDotEnv(cwd: string): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return {};
  try {
    return parseEnv(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('ENV_INVALID', [`${file}: cannot be read (${(error as Error).message})`]);
  }
}

function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]));
}
