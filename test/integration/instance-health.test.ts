import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { freshPostgresUrl } from '../support/postgres.js';

const started: TestApp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.stop()));
});

async function start(options: Parameters<typeof startTestApp>[0]): Promise<TestApp> {
  const app = await startTestApp(options);
  started.push(app);
  return app;
}

const health = async (app: TestApp) => {
  const res = await fetch(`${app.url}/healthz`);
  return { status: res.status, body: (await res.json()) as any };
};

/** Every sample line (not # HELP or # TYPE) of a Prometheus text exposition. */
const samples = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('an instance tells who it is and what it runs on', () => {
  it('when /healthz is asked on SQLite, then it names the instance and the database kind, with no path', async () => {
    const app = await start({ env: { instance: 'checkout-a' } });
    const { status, body } = await health(app);
    expect(status).toBe(200);
    expect(body.instance).toBe('checkout-a');
    expect(body.db).toMatchObject({ kind: 'sqlite', ok: true });
    expect(JSON.stringify(body)).not.toContain(app.dbPath);
  });

  it('when /healthz is asked on Postgres, then it shows the URL with the password masked, and that it answers', async () => {
    // The test server trusts its socket: any password is accepted, so one can be given to be masked.
    const url = (await freshPostgresUrl()).replace('postgres://postgres@', 'postgres://postgres:s3cret@');
    const app = await start({ dbPath: url, env: { instance: 'checkout-b' } });
    const { status, body } = await health(app);
    expect(status).toBe(200);
    expect(body.instance).toBe('checkout-b');
    expect(body.db.kind).toBe('postgres');
    expect(body.db.url).toContain('postgres://postgres:***@localhost/');
    expect(body.db.ok).toBe(true);
    expect(JSON.stringify(body)).not.toContain('s3cret');
  });

  it('when /metrics is scraped, then every series carries the instance label', async () => {
    const app = await start({ env: { instance: 'checkout-c' } });
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const lines = samples(text);
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.filter((line) => !line.includes('instance="checkout-c"'))).toEqual([]);
    // Our own figures and the process's alike.
    expect(text).toMatch(/cartwatch_outbox_pending\{instance="checkout-c"\} 0/);
    expect(text).toMatch(/process_resident_memory_bytes\{instance="checkout-c"\} \d+/);
  });
});
