import { createHmac } from 'node:crypto';
import path from 'node:path';
import { type CartwatchConfig, DEFAULT_CONFIG, type Env } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { type RunningCartwatch, type StartOptions, startCartwatch } from '../../src/main.js';
import type { Clock } from '../../src/services/clock.js';
import { tempDir } from './temp.js';

export const INGEST_SECRET = 'test-ingest-secret-0123456789';

export interface TestApp {
  running: RunningCartwatch;
  url: string;
  dbPath: string;
  /** POST /events with the bearer secret unless `headers` says otherwise. */
  postEvents(body: unknown, options?: PostOptions): Promise<{ status: number; body: any }>;
  getCart(id: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

interface PostOptions {
  headers?: Record<string, string>;
  contentType?: string;
  /** Send this text (or bytes) as the body instead of JSON-encoding `body`. */
  raw?: string | Buffer;
  auth?: 'bearer' | 'signature' | 'none';
}

/** Metrics and /healthz name the instance; a test app is this one unless `env.instance` says otherwise. */
export const TEST_INSTANCE = 'test';

/**
 * Starts the real server on port 0 against a real SQLite file in a temp folder, or on the Postgres
 * database `dbPath` names when it is a URL (`await freshPostgresUrl()`: several apps may share it).
 */
export interface TestAppOptions {
  env?: Partial<Env>;
  config?: Partial<CartwatchConfig>;
  clock?: Clock;
  /** A SQLite file, or a `postgres://` URL. */
  dbPath?: string;
  tuning?: StartOptions['tuning'];
  demo?: boolean;
  /** Where the app logs (default: errors only, to the console). */
  logger?: Logger;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const temp = tempDir();
  const dbPath = options.dbPath ?? path.join(temp.dir, 'cartwatch.db');
  const env: Env = {
    dbPath,
    port: 0,
    production: false,
    logLevel: 'error',
    ingestSecret: INGEST_SECRET,
    instance: TEST_INSTANCE,
    ...options.env,
  };
  // Digests at 23:59 keep the start-up catch-up out of tests that are not about digests; no noise
  // rules (the product's built-in ones suppress card declines), so a test that wants them says so.
  const config = {
    ...DEFAULT_CONFIG,
    digest: { at: '23:59', skipQuiet: false },
    noise: { suppress: [], rates: [] },
    ...options.config,
  };
  const running = await startCartwatch({
    env,
    config,
    logger: options.logger ?? createLogger('error'),
    // Fast polling, a short per-channel pace and a roomy update allowance keep tests quick; pacing
    // itself is tested with the real pace, and the allowance with a small one.
    tuning: {
      outboxPollMs: 20,
      postIntervalMs: 50,
      updateBudget: { perMinute: 60_000, burst: 1_000 },
      detectorPollMs: 50,
      grouping: { waitMs: 0 },
      ...options.tuning,
    },
    // The sandbox feeds the demo to an empty database; tests ask for it when they want it.
    demo: options.demo ?? false,
    ...(options.clock && { clock: options.clock }),
  });
  // The sweep at start runs in the background; a test's first events must not race it.
  await running.sweepNow();
  const url = running.url;
  return {
    running,
    url,
    dbPath,
    async postEvents(body, post = {}) {
      const payload = post.raw ?? JSON.stringify(body);
      const headers: Record<string, string> = { 'content-type': post.contentType ?? 'application/json' };
      const auth = post.auth ?? 'bearer';
      if (auth === 'bearer') headers.authorization = `Bearer ${INGEST_SECRET}`;
      if (auth === 'signature') headers['x-cartwatch-signature'] = signIngest(payload);
      const res = await fetch(`${url}/events`, {
        method: 'POST',
        headers: { ...headers, ...post.headers },
        body: typeof payload === 'string' ? payload : new Uint8Array(payload),
      });
      return { status: res.status, body: await res.json() };
    },
    async getCart(id, headers = { authorization: `Bearer ${INGEST_SECRET}` }) {
      const res = await fetch(`${url}/carts/${encodeURIComponent(id)}`, { headers });
      return { status: res.status, body: await res.json() };
    },
    async stop() {
      await running.stop();
      temp.cleanup();
    },
  };
}

export function signIngest(body: string | Buffer, secret = INGEST_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
