import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { rssMb, type Served, serve } from './processes.js';
import { measureStatus } from './status.js';

/**
 * `npm run bench`: drives a bare node:http server and Cartwatch with the same load and prints
 * one figure a line (`name value unit`), then each SPEC budget it was held against.
 */
const SECRET = 'bench-ingest-secret-0123456789';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const here = path.dirname(new URL(import.meta.url).pathname);
const cli = path.resolve(here, '../src/cli.js');

const figures: { name: string; value: number; unit: string }[] = [];
const budgets: { name: string; ok: boolean; text: string }[] = [];

function report(name: string, value: number, unit: string): number {
  figures.push({ name, value, unit });
  process.stdout.write(`${name} ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}\n`);
  return value;
}

function budget(name: string, ok: boolean, text: string): void {
  budgets.push({ name, ok, text });
}

function eventBody(id: string, cart: number): string {
  return JSON.stringify({
    id,
    cart_id: `cart_${cart}`,
    stage: 'payment',
    step: 'authorize',
    status: 'succeeded',
    occurred_at: new Date().toISOString(),
    source: 'stripe',
    amount: { value: 12999, currency: 'USD' },
  });
}

async function load(url: string, options: { body: () => string; connections: number }): Promise<number> {
  const result = await autocannon({
    url: `${url}/events`,
    method: 'POST',
    connections: options.connections,
    duration: SECONDS,
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (request) => ({ ...request, body: options.body() }) }],
  });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  if (non2xx > 0) process.stderr.write(`warning: ${non2xx} requests failed against ${url}\n`);
  return result['2xx'] / (result.duration || SECONDS);
}

async function withCartwatch<T>(run: (served: Served) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cartwatch-bench-'));
  const served = await serve(cli, ['start', '--no-demo'], {
    PORT: '0',
    CARTWATCH_DB: path.join(dir, 'bench.db'),
    CARTWATCH_INGEST_SECRET: SECRET,
    LOG_LEVEL: 'error',
  });
  try {
    return await run(served);
  } finally {
    await served.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let seq = 0;
  const single = () => eventBody(`evt_${process.pid}_${++seq}`, seq % 10_000);

  const bare = await serve(path.join(here, 'bare-server.js'), [], {});
  const bareRps = report(
    'ingest.bare.rps',
    await load(bare.url, { body: single, connections: CONNECTIONS }),
    'req/s',
  );
  await bare.stop();

  let peakRss = 0;
  await withCartwatch(async (served) => {
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(served.child.pid as number));
    }, 100);
    const singleRps = report(
      'ingest.single.rps',
      await load(served.url, { body: single, connections: CONNECTIONS }),
      'req/s',
    );
    const ratio = report('ingest.single.ratio', singleRps / bareRps, 'ratio');
    budget('ingest.single.ratio', ratio >= 0.6, '>= 0.60 of bare node:http');

    const template = Array.from({ length: 1000 }, (_, i) => eventBody(`evt_B_${i}`, i)).join(',');
    let batchNo = 0;
    const batch = () => `[${template.replaceAll('evt_B_', `evt_${process.pid}_b${++batchNo}_`)}]`;
    const batchRps = await load(served.url, { body: batch, connections: 4 });
    const eps = report('ingest.batch.eps', batchRps * 1000, 'events/s');
    budget('ingest.batch.eps', eps >= 100_000, '>= 100000 events/s in batches of 1000');
    clearInterval(sampler);
  });
  report('ingest.rss.mb', peakRss, 'MB');
  budget('ingest.rss.mb', peakRss < 200, '< 200 MB resident while ingesting');

  const carts = Number(process.env.BENCH_CARTS ?? 100_000);
  const status = await measureStatus(carts);
  for (const figure of status) report(figure.name, figure.value, figure.unit);
  const value = (name: string) => status.find((f) => f.name === name)?.value ?? Number.POSITIVE_INFINITY;
  budget(
    'status.timeline.p99.ms',
    value('status.timeline.p99.ms') < 5,
    `< 5 ms at p99 with ${carts * 10} events`,
  );
  budget('status.overview.ms', value('status.overview.ms') < 50, '< 50 ms');
  budget('digest.team.ms', value('digest.team.ms') < 1000, '< 1 s for a busy day');

  process.stdout.write('\n');
  for (const b of budgets) process.stdout.write(`# ${b.ok ? 'ok  ' : 'MISS'} ${b.name} ${b.text}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
