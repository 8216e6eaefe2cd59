import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
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
  configPath?: string;
  dbPath: string;
  port: number;
  production: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

const optional = (schema: z.ZodString) => schema.optional();

const envSchema = z.object({
  SLACK_BOT_TOKEN: optional(z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-')),
  SLACK_SIGNING_SECRET: optional(z.string().min(1)),
  SLACK_APP_TOKEN: optional(z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-')),
  SLACK_API_URL: optional(
    z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL such as http://127.0.0.1:9000/api/'),
  ),
  CARTWATCH_INGEST_SECRET: optional(
    z.string().min(16, 'must be at least 16 characters; e.g. `openssl rand -hex 24`'),
  ),
  SHOPIFY_WEBHOOK_SECRET: optional(z.string().min(1)),
  STRIPE_WEBHOOK_SECRET: optional(z.string().min(1)),
  CARTWATCH_CONFIG: optional(z.string().min(1)),
  CARTWATCH_DB: z.string().min(1).default('./data/cartwatch.db'),
  PORT: z
    .string()
    .default('3000')
    .refine((v) => /^\d+$/.test(v) && Number(v) <= 65535, {
      error: (issue) => `must be a whole number from 0 to 65535, got ${JSON.stringify(issue.input)}`,
    }),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'], { error: 'must be debug, info, warn or error' })
    .default('info'),
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
  const merged = withoutEmpty({ ...fromFile, ...(options.env ?? process.env) });
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      'ENV_INVALID',
      parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const env: Env = {
    dbPath: path.resolve(cwd, e.CARTWATCH_DB),
    port: Number(e.PORT),
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
  };
  if (e.SLACK_BOT_TOKEN) env.slackBotToken = e.SLACK_BOT_TOKEN;
  if (e.SLACK_SIGNING_SECRET) env.slackSigningSecret = e.SLACK_SIGNING_SECRET;
  if (e.SLACK_APP_TOKEN) env.slackAppToken = e.SLACK_APP_TOKEN;
  if (e.SLACK_API_URL)
    env.slackApiUrl = e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`;
  if (e.CARTWATCH_INGEST_SECRET) env.ingestSecret = e.CARTWATCH_INGEST_SECRET;
  if (e.SHOPIFY_WEBHOOK_SECRET) env.shopifyWebhookSecret = e.SHOPIFY_WEBHOOK_SECRET;
  if (e.STRIPE_WEBHOOK_SECRET) env.stripeWebhookSecret = e.STRIPE_WEBHOOK_SECRET;
  if (e.CARTWATCH_CONFIG) env.configPath = path.resolve(cwd, e.CARTWATCH_CONFIG);
  return env;
}

function readDotEnv(cwd: string): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
}

function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]));
}
