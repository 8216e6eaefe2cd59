import path from 'node:path';
import autocannon from 'autocannon';
import { type BenchDatabase, type BenchDatabases, benchDatabases, benchStoreKind } from './databases.js';
import { FAILURE_EVERY, failureBody, LagProbe } from './detect-lag.js';
import { eventBody } from './event-bodies.js';
import { measureNoise } from './noise.js';
import { measureOutboxDrain } from './outbox.js';
import { cpuSeconds, rssMb, type Served, serve } from './processes.js';
import { measureSoak } from './soak.js';
import { measureStatus } from './status.js';
import { measureIdleSweep, measureStormEscalation } from './sweep.js';
import { measureTrends } from './trends.js';

/**
 * `npm run bench`: drives a bare node:http server and Cartwatch with the same load and prints
 * one figure a line (`name value unit`), then each SPEC budget it was held against.
 * `npm run bench -- --soak` adds a few minutes of steady ingest (SOAK_SECONDS, default 180).
 * `npm run bench -- --ingest-only` stops after the ingest phases (and detection's lag under them).
 * `npm run bench -- --store postgres` measures ingest (one instance, then two sharing the database),
 * the timeline and the sweep on a local durable Postgres server the bench starts and removes.
 */
const SECRET = 'bench-ingest-secret-0123456789';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
/** Batches go over fewer connections, each a 1,000-event body. */
const BATCH_CONNECTIONS = 4;
const BATCH_SIZE = 1000;
/** An outage's storm, all of it falling due for escalation in one sweep. */
const STORM_MEMBERS = 3000;
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

/** Requests per second answered 2xx, and the server's CPU time per answered request. */
async function load(
  url: string,
  options: {
    body: () => string;
    connections: number;
    pid: number;
    /** Told each body whose 202 has just arrived (the commit is behind it). */
    onAccepted?: (body: string) => void;
  },
): Promise<{ rps: number; cpuUs: number }> {
  const cpuBefore = cpuSeconds(options.pid);
  // One request at a time per connection (no pipelining): its bodies are answered in order.
  type Sent = { sent?: string[] };
  const result = await autocannon({
    url: `${url}/events`,
    method: 'POST',
    connections: options.connections,
    duration: SECONDS,
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request, context: Sent) => {
          const body = options.body();
          if (options.onAccepted) {
            context.sent ??= [];
            context.sent.push(body);
          }
          return { ...request, body };
        },
        ...(options.onAccepted && {
          onResponse: (status: number, _body: string, context: Sent) => {
            const body = context.sent?.shift();
            if (status === 202 && body !== undefined) options.onAccepted?.(body);
          },
        }),
      },
    ],
  });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  if (non2xx > 0) process.stderr.write(`warning: ${non2xx} requests failed against ${url}\n`);
  const cpuUs = ((cpuSeconds(options.pid) - cpuBefore) * 1e6) / Math.max(1, result['2xx']);
  return { rps: result['2xx'] / (result.duration || SECONDS), cpuUs };
}

/** Runs `run` against `count` Cartwatch processes sharing one fresh database (two: Postgres only). */
/** e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=prof' to profile Cartwatch under the load. */
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

async function withCartwatch<T>(
  databases: BenchDatabases,
  run: (served: Served[], database: BenchDatabase) => Promise<T>,
  count = 1,
): Promise<T> {
  const database = await databases.fresh();
  const instances: Served[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      instances.push(
        await serve(
          cli,
          ['start', '--no-demo'],
          {
            PORT: '0',
            CARTWATCH_DB: database.target,
            CARTWATCH_INSTANCE: `bench-${i}`,
            CARTWATCH_INGEST_SECRET: SECRET,
            LOG_LEVEL: 'error',
          },
          nodeArgs,
        ),
      );
    }
    return await run(instances, database);
  } finally {
    await Promise.all(instances.map((served) => served.stop()));
    await database.drop();
  }
}

/** The same load split over several instances at once (a load balancer's view): their rates summed. */
async function loadAll(
  instances: readonly Served[],
  options: { body: () => string; connections: number },
): Promise<{ rps: number; cpuUs: number }> {
  const runs = await Promise.all(
    instances.map((served) =>
      load(served.url, {
        body: options.body,
        connections: Math.max(1, Math.floor(options.connections / instances.length)),
        pid: served.child.pid as number,
      }),
    ),
  );
  const rps = runs.reduce((sum, r) => sum + r.rps, 0);
  const cpuUs = runs.reduce((sum, r) => sum + r.cpuUs * r.rps, 0) / Math.max(1, rps);
  return { rps, cpuUs };
}

async function main(): Promise<void> {
  const databases = benchDatabases(benchStoreKind(process.argv));
  try {
    await measureAll(databases);
  } finally {
    await databases.stop();
  }
}

async function measureAll(databases: BenchDatabases): Promise<void> {
  const onPostgres = databases.kind === 'postgres';
  if (onPostgres) process.stdout.write('store postgres (a local server with fsync on)\n');
  let seq = 0;
  const single = () => eventBody(`evt_${process.pid}_${++seq}`, `cart_${seq % 10_000}`);

  let peakRss = 0;
  // Detection is measured under the same load: one event in FAILURE_EVERY fails, on a cart of its own.
  const lag = new LagProbe(String(process.pid));
  const withFailures = () =>
    seq % FAILURE_EVERY === 0 ? lag.failure(`evt_${process.pid}_${++seq}`) : single();
  const failing = (i: number) => i % FAILURE_EVERY === FAILURE_EVERY - 1;
  const template = Array.from({ length: BATCH_SIZE }, (_, i) =>
    failing(i) ? failureBody(`evt_B_${i}`, `lag_B_${i}`) : eventBody(`evt_B_${i}`, `cart_${i}`),
  ).join(',');
  let batchNo = 0;
  const batchTagged = (tag: string) =>
    `[${template.replaceAll('evt_B_', `evt_${tag}`).replaceAll('lag_B_', `lag_${tag}`)}]`;
  const batch = () => {
    const tag = `${process.pid}_b${++batchNo}_`;
    lag.noteCarts(
      Array.from({ length: BATCH_SIZE }, (_, i) => i)
        .filter(failing)
        .map((i) => `lag_${tag}${i}`),
    );
    return batchTagged(tag);
  };
  const bare = await serve(path.join(here, 'bare-server.js'), [], {});
  const bareRun = await load(bare.url, {
    body: single,
    connections: CONNECTIONS,
    pid: bare.child.pid as number,
  });
  const bareRps = report('ingest.bare.rps', bareRun.rps, 'req/s');
  report('ingest.bare.cpu_us_per_req', bareRun.cpuUs, 'us');
  await bare.stop();

  // The durable floor (bench/floor-server.ts): the same load through Cartwatch's own parsing and
  // validation into a bare events table with a group commit at synchronous=FULL, nothing else. It
  // says how much of the budgets any durable design could reach on this machine today.
  const floor = await serve(path.join(here, 'floor-server.js'), [], {});
  const floorPid = floor.child.pid as number;
  const floorRun = await load(floor.url, { body: single, connections: CONNECTIONS, pid: floorPid });
  report('ingest.floor.single.rps', floorRun.rps, 'req/s');
  report('ingest.floor.single.cpu_us_per_req', floorRun.cpuUs, 'us');
  const floorRps = report('ingest.floor.single.ratio', floorRun.rps / bareRps, 'ratio') * bareRps;
  const floorBatch = await load(floor.url, {
    body: () => batchTagged(`${process.pid}_floor${++batchNo}_`),
    connections: BATCH_CONNECTIONS,
    pid: floorPid,
  });
  const floorEps = report('ingest.floor.batch.eps', floorBatch.rps * BATCH_SIZE, 'events/s');
  report('ingest.floor.batch.cpu_us_per_event', floorBatch.cpuUs / BATCH_SIZE, 'us');
  await floor.stop();

  await withCartwatch(databases, async ([served], database) => {
    if (served === undefined) throw new Error('no Cartwatch started');
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(served.child.pid as number));
    }, 100);
    const pid = served.child.pid as number;
    const accepted = (body: string) => lag.accepted(body);
    const singleRun = await load(served.url, {
      body: withFailures,
      connections: CONNECTIONS,
      pid,
      onAccepted: accepted,
    });
    const singleRps = report('ingest.single.rps', singleRun.rps, 'req/s');
    // CPU per request does not depend on how the cores are shared with the load generator.
    report('ingest.single.cpu_us_per_req', singleRun.cpuUs, 'us');
    const ratio = report('ingest.single.ratio', singleRps / bareRps, 'ratio');
    report('ingest.single.of_floor', singleRps / floorRps, 'ratio');
    budget('ingest.single.ratio', ratio >= 0.6, '>= 0.60 of bare node:http');

    const batchRun = await load(served.url, {
      body: batch,
      connections: BATCH_CONNECTIONS,
      pid,
      onAccepted: accepted,
    });
    const eps = report('ingest.batch.eps', batchRun.rps * BATCH_SIZE, 'events/s');
    report('ingest.batch.cpu_us_per_event', batchRun.cpuUs / BATCH_SIZE, 'us');
    report('ingest.batch.of_floor', eps / floorEps, 'ratio');
    budget('ingest.batch.eps', eps >= 100_000, '>= 100000 events/s in batches of 1000');
    clearInterval(sampler);
    await lag.settle();
    await served.stop();
    for (const figure of await lag.measure(database.target, 'detect.lag'))
      report(figure.name, figure.value, figure.unit);
  });
  report('ingest.rss.mb', peakRss, 'MB');
  const lagP99 =
    figures.find((f) => f.name === 'detect.lag.committed.p99.ms')?.value ?? Number.POSITIVE_INFINITY;
  const missed = figures.find((f) => f.name === 'detect.lag.missed')?.value ?? 1;
  // A failure goes untimed only when its request was still in flight as the load generator stopped
  // (its 202 is dropped): at most one per single-event connection and a batch's worth per batch
  // connection. More means 202s went missing; and most failures must be timed, or the figure
  // measures nothing (on Postgres, at a few thousand events a second, the last four batches hold a
  // seventh of all failures).
  const unanswered = figures.find((f) => f.name === 'detect.lag.committed.unanswered')?.value ?? 0;
  const inFlightAtStop = CONNECTIONS + BATCH_CONNECTIONS * Math.ceil(BATCH_SIZE / FAILURE_EVERY);
  budget(
    'detect.lag.ms',
    lagP99 < 1000 && missed === 0 && unanswered <= inFlightAtStop && unanswered * 2 < lag.count,
    `< 1000 ms at p99 from the commit (its 202) to the exception raised, while ingesting (${lag.count} failures)`,
  );
  budget('ingest.rss.mb', peakRss < 200, '< 200 MB resident while ingesting');

  if (onPostgres) {
    // Two instances sharing the database, the load split between them. On two cores this measures
    // the cost of sharing, not scaling: the instances, Postgres and the load generator share them.
    await withCartwatch(
      databases,
      async (instances) => {
        const two = await loadAll(instances, { body: single, connections: CONNECTIONS });
        report('ingest.two_instances.single.rps', two.rps, 'req/s');
        report('ingest.two_instances.single.cpu_us_per_req', two.cpuUs, 'us');
        const twoBatch = await loadAll(instances, { body: batch, connections: BATCH_CONNECTIONS });
        report('ingest.two_instances.batch.eps', twoBatch.rps * BATCH_SIZE, 'events/s');
      },
      2,
    );
  }

  if (process.argv.includes('--ingest-only')) {
    printBudgets();
    return;
  }

  const carts = Number(process.env.BENCH_CARTS ?? 100_000);
  const status = await measureStatus(carts, databases);
  for (const figure of status) report(figure.name, figure.value, figure.unit);
  const value = (name: string) => status.find((f) => f.name === name)?.value ?? Number.POSITIVE_INFINITY;
  budget(
    'status.timeline.p99.ms',
    value('status.timeline.p99.ms') < 5,
    `< 5 ms at p99 with ${carts * 10} events`,
  );
  budget('status.overview.ms', value('status.overview.ms') < 50, '< 50 ms');
  budget('digest.team.ms', value('digest.team.ms') < 1000, '< 1 s for a busy day');

  const sweep = await measureIdleSweep(carts, databases);
  for (const figure of sweep) report(figure.name, figure.value, figure.unit);
  const idle = sweep.find((f) => f.name === 'sweep.idle.ms')?.value ?? Number.POSITIVE_INFINITY;
  // SPEC names no figure, only that checks cost what is due: a sweep of a large, healthy store
  // must cost about what an empty one does (a few ms, not a scan of the carts).
  budget('sweep.idle.ms', idle < 5, `< 5 ms with ${carts} open carts and none due (SPEC: cost what is due)`);

  const storm = await measureStormEscalation(STORM_MEMBERS, databases);
  for (const figure of storm) report(figure.name, figure.value, figure.unit);
  const stormMs =
    storm.find((f) => f.name === 'sweep.storm_escalation.ms')?.value ?? Number.POSITIVE_INFINITY;
  // Cartwatch's own: the sweep holds the serving thread, and detection's 1 s must fit around it.
  budget(
    'sweep.storm_escalation.ms',
    stormMs < 500,
    `< 500 ms for a storm of ${STORM_MEMBERS} falling due at once (it escalates once)`,
  );

  if (onPostgres) {
    // Trends, the outbox drain, noise and the soak are the same code above either store; they run on SQLite.
    printBudgets();
    return;
  }

  const trends = await measureTrends(carts * 10);
  for (const figure of trends) report(figure.name, figure.value, figure.unit);
  const trendsMs = trends.find((f) => f.name === 'status.trends.ms')?.value ?? Number.POSITIVE_INFINITY;
  budget('status.trends.ms', trendsMs < 50, `< 50 ms with ${carts * 10} events over 28 days`);

  const drain = await measureOutboxDrain(cli, SECRET);
  for (const figure of drain) report(figure.name, figure.value, figure.unit);
  const perChannel = drain.find((f) => f.name === 'outbox.drain.per_channel.rps')?.value ?? 0;
  budget('outbox.drain.per_channel.rps', perChannel <= 1.05, "<= 1 post/s per channel (Slack's pace)");

  const noise = await measureNoise({
    hours: Number(process.env.NOISE_HOURS ?? 24),
    cartsPerMinute: Number(process.env.NOISE_CARTS_PER_MINUTE ?? 24),
  });
  for (const figure of noise) report(figure.name, figure.value, figure.unit);
  const noiseValue = (name: string) => noise.find((f) => f.name === name)?.value ?? Number.NaN;
  const incidents = noiseValue('noise.incidents');
  budget(
    'noise.incidents.caught',
    noiseValue('noise.incidents.caught') === incidents,
    'every incident caught',
  );
  budget(
    'noise.incidents.late',
    noiseValue('noise.incidents.late') === 0,
    'each within 5 minutes of its start (or its rate window)',
  );
  budget(
    'noise.root_posts.per_incident',
    noiseValue('noise.root_posts.per_incident') <= 3,
    '<= 3 root posts per incident',
  );
  budget(
    'noise.escalation_posts',
    noiseValue('noise.escalation_posts') <= 2 * incidents,
    '<= 2 escalation posts per incident',
  );

  if (process.argv.includes('--soak')) {
    const seconds = Number(process.env.SOAK_SECONDS ?? 180);
    const soak = await withCartwatch(databases, ([served]) => {
      if (served === undefined) throw new Error('no Cartwatch started');
      return measureSoak(served, SECRET, seconds);
    });
    for (const figure of soak) report(figure.name, figure.value, figure.unit);
    const growth = soak.find((f) => f.name === 'soak.rss.growth.mb')?.value ?? Number.POSITIVE_INFINITY;
    const peak = soak.find((f) => f.name === 'soak.rss.peak.mb')?.value ?? Number.POSITIVE_INFINITY;
    budget('soak.rss.growth.mb', growth < 10, `< 10 MB growth over ${seconds} s of steady ingest`);
    budget('soak.rss.peak.mb', peak < 200, '< 200 MB resident while ingesting');
  }

  printBudgets();
}

function printBudgets(): void {
  process.stdout.write('\n');
  for (const b of budgets) process.stdout.write(`# ${b.ok ? 'ok  ' : 'MISS'} ${b.name} ${b.text}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
