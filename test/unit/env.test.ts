import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localFilesBase } from '../../src/config/env.js';
import { ConfigError, loadEnv } from '../../src/config.js';

const dirs: string[] = [];
function tempDirWithDotEnv(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cartwatch-env-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, '.env'), text);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function envProblems(env: Record<string, string>): string[] {
  try {
    loadEnv({ env, readDotEnv: false });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.code).toBe('ENV_INVALID');
    return error.problems;
  }
  throw new Error('expected the environment to be refused');
}

describe('environment', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    expect(loadEnv({ env: {}, cwd: '/srv/cartwatch', readDotEnv: false })).toEqual({
      dbPath: '/srv/cartwatch/data/cartwatch.db',
      port: 3000,
      production: false,
      logLevel: 'info',
      logFormat: 'text',
    });
  });

  it('when every variable is set, then each lands in its field; paths resolve against cwd', () => {
    const env = loadEnv({
      cwd: '/srv/cartwatch',
      readDotEnv: false,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'sign',
        SLACK_APP_TOKEN: 'xapp-1',
        SLACK_API_URL: 'https://slack.example/api/',
        CARTWATCH_INGEST_SECRET: '0123456789abcdef',
        SHOPIFY_WEBHOOK_SECRET: 'shop',
        STRIPE_WEBHOOK_SECRET: 'stripe',
        CARTWATCH_CONFIG: 'conf/cw.yml',
        CARTWATCH_DB: '/var/lib/cw.db',
        PORT: '0',
        NODE_ENV: 'production',
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
      },
    });
    expect(env).toEqual({
      slackBotToken: 'xoxb-1',
      slackSigningSecret: 'sign',
      slackAppToken: 'xapp-1',
      slackApiUrl: 'https://slack.example/api/',
      ingestSecret: '0123456789abcdef',
      shopifyWebhookSecret: 'shop',
      stripeWebhookSecret: 'stripe',
      configPath: '/srv/cartwatch/conf/cw.yml',
      dbPath: '/var/lib/cw.db',
      port: 0,
      production: true,
      logLevel: 'debug',
      logFormat: 'json',
    });
  });

  it('when a .env file exists, then it is read, and the real environment wins over it', () => {
    const dir = tempDirWithDotEnv(
      'PORT=4000\nCARTWATCH_INGEST_SECRET=from-dot-env-0123456789\nLOG_LEVEL=warn\n',
    );
    const env = loadEnv({ env: { PORT: '5000', LOG_LEVEL: '' }, cwd: dir });
    expect(env.port).toBe(5000);
    expect(env.ingestSecret).toBe('from-dot-env-0123456789');
    // An empty real value counts as unset, so .env's value applies.
    expect(env.logLevel).toBe('warn');
  });

  it('when readDotEnv is false, then .env is ignored', () => {
    const dir = tempDirWithDotEnv('PORT=4000\n');
    expect(loadEnv({ env: {}, cwd: dir, readDotEnv: false }).port).toBe(3000);
  });

  it('when variables are invalid, then each problem names the variable and how to fix it', () => {
    expect(
      envProblems({
        PORT: 'abc',
        SLACK_BOT_TOKEN: 'xoxp-1',
        SLACK_APP_TOKEN: 'xoxb-2',
        CARTWATCH_INGEST_SECRET: 'short',
        LOG_LEVEL: 'loud',
        LOG_FORMAT: 'yaml',
      }),
    ).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN: must be a bot token starting with xoxb- \(/),
      expect.stringMatching(/^SLACK_APP_TOKEN: must be an app-level token starting with xapp- \(/),
      'CARTWATCH_INGEST_SECRET: must be at least 16 characters; generate one with `openssl rand -hex 24`',
      'PORT: must be a whole number from 0 to 65535, got "abc"',
      'LOG_LEVEL: must be debug, info, warn or error, got "loud"',
      'LOG_FORMAT: must be text or json, got "yaml"',
    ]);
  });

  it('when PORT is out of range, then it is refused', () => {
    expect(envProblems({ PORT: '65536' })).toEqual([
      'PORT: must be a whole number from 0 to 65535, got "65536"',
    ]);
    expect(envProblems({ PORT: '80.5' })).toHaveLength(1);
  });

  it('when a secret is invalid, then the error message does not print it', () => {
    try {
      loadEnv({ env: { SLACK_BOT_TOKEN: 'xoxp-very-secret-value' }, readDotEnv: false });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('very-secret');
      expect((error as Error).message).toMatch(/^the environment has 1 problem:\n- SLACK_BOT_TOKEN: /);
    }
  });

  it('when SLACK_API_URL is not an http(s) URL it is refused; without a trailing slash one is added', () => {
    expect(envProblems({ SLACK_API_URL: 'ftp://slack' })).toEqual([
      'SLACK_API_URL: must be an http(s) URL such as https://slack.com/api/, got "ftp://slack"',
    ]);
    expect(loadEnv({ env: { SLACK_API_URL: 'http://127.0.0.1:9/api' }, readDotEnv: false }).slackApiUrl).toBe(
      'http://127.0.0.1:9/api/',
    );
  });

  it('when CARTWATCH_DB is a Postgres URL, then it is kept as given, not resolved as a path', () => {
    for (const url of [
      'postgres://cw:pw@db:5432/cartwatch',
      'postgresql:///cartwatch?host=/run/postgresql',
    ]) {
      expect(loadEnv({ env: { CARTWATCH_DB: url }, cwd: '/srv/cartwatch', readDotEnv: false }).dbPath).toBe(
        url,
      );
    }
  });

  it('when a local run is on Postgres, then its own files go to ./data, named after the database', () => {
    expect(localFilesBase('postgres://cw@db/shop_cw', '/srv/cartwatch')).toBe('/srv/cartwatch/data/shop_cw');
    expect(localFilesBase('/var/lib/cw.db', '/srv/cartwatch')).toBe('/var/lib/cw.db');
  });

  it('when CARTWATCH_INSTANCE is set, then it names the instance; a name with spaces is refused', () => {
    expect(loadEnv({ env: { CARTWATCH_INSTANCE: 'checkout-a' }, readDotEnv: false }).instance).toBe(
      'checkout-a',
    );
    expect(envProblems({ CARTWATCH_INSTANCE: 'checkout a' })).toEqual([
      'CARTWATCH_INSTANCE: must be 1 to 64 letters, digits, dots, dashes, colons or underscores',
    ]);
  });
});
