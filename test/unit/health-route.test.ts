import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { healthRoute } from '../../src/http/health-route.js';
import type { Store, StoreHealth } from '../../src/store/store.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** /healthz in front of a database whose health check does what `health` does. */
async function healthz(health: () => Promise<StoreHealth>): Promise<{ status: number; body: any }> {
  // Only what /healthz reads of the store: a stand-in for a database that is away.
  const store = { health, outboxHealth: async () => ({ pending: 0, failed: 0 }) } as unknown as Store;
  const route = healthRoute({
    store,
    slack: () => ({ state: 'not configured' }),
    instance: 'checkout-a',
    database: { kind: 'postgres', url: 'postgres://cw:***@db/cartwatch' },
    timeoutMs: 50,
  });
  server = createServer((req, res) => void route(req, res));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`);
  return { status: res.status, body: await res.json() };
}

describe('GET /healthz while the database is away', () => {
  it('when the database does not answer, then /healthz says so within its timeout, as 503', async () => {
    const { status, body } = await healthz(() => new Promise(() => {}));
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'failing',
      instance: 'checkout-a',
      db: { kind: 'postgres', ok: false, detail: 'no answer within 50 ms' },
    });
  });

  it('when the connection is refused, then /healthz answers 503 with the reason', async () => {
    const { status, body } = await healthz(() => Promise.reject(new Error('connect ECONNREFUSED')));
    expect(status).toBe(503);
    expect(body.db).toMatchObject({ ok: false, detail: 'connect ECONNREFUSED' });
  });
});
