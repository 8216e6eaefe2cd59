import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import { connect } from '../../src/store/postgres/connection.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { INGEST_SECRET } from '../support/app.js';
import { findProblems, readClusterState, settleProgress } from '../support/chaos-checks.js';
import { ChaosCluster } from '../support/chaos-cluster.js';
import { diagnose } from '../support/chaos-diagnosis.js';
import { type ChaosLog, ChaosMonkey, chaosSchedule } from '../support/chaos-monkey.js';
import { closestPosts } from '../support/chaos-pace.js';
import { People } from '../support/chaos-people.js';
import { ChaosPostgres } from '../support/chaos-postgres.js';
import { runCli } from '../support/chaos-process.js';
import { Producer } from '../support/chaos-producer.js';
import { CHANNELS, CHAOS_CONFIG, chaosStream } from '../support/chaos-stream.js';
import { FakeSlack } from '../support/fake-slack.js';
import { chaosSeed, SeededRandom } from '../support/seeded-random.js';
import { SIGNING_SECRET } from '../support/slack-requests.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

/** How long the stream and the blows last; settling comes after. */
const LENGTH_MS = 30_000;
const INSTANCES = 3;
const LANES = 4;
const TEAMS = Object.keys(CHANNELS).length;
/** Slack's pace for chat.postMessage per channel (the worker's default), less what two clocks and a busy loop blur. */
const PACE_MS = 1000 - 150;
/** A run takes about a minute; past this it is reported as hanging, before the test's own limit. */
const HANG_MS = 180_000;

const temp = tempDir('cartwatch-chaos-');
let postgres: ChaosPostgres | undefined;
beforeAll(() => {
  postgres = ChaosPostgres.start();
}, 60_000);
afterAll(() => {
  postgres?.stop();
  temp.cleanup();
});

describe('chaos on Postgres', () => {
  it('three instances on one database, SIGKILLed a dozen times, Postgres crashed once and backends cut: every acknowledged event stored once, every implied exception once in its state, each root message and digest posted once, at Slack pace, nothing left unposted', async () => {
    const seed = chaosSeed();
    try {
      await chaosRun(seed, postgres as ChaosPostgres);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      failure.message = `chaos seed ${seed} (replay: CHAOS_SEED=${seed}): ${failure.message}`;
      throw failure;
    }
  }, 240_000);
});

async function chaosRun(seed: number, pg: ChaosPostgres): Promise<void> {
  const { name: database, url } = await pg.createDatabase();
  // Running since long ago, so today's digest is due (a new database posts none for its first day).
  await (await PostgresStore.open(url, NO_DUE_POLICY, { now: Date.UTC(2000, 0, 1) })).close();
  const slack = await new FakeSlack().start();
  const configPath = path.join(temp.dir, 'cartwatch.yml');
  writeFileSync(configPath, CHAOS_CONFIG);
  const env = {
    CARTWATCH_DB: url,
    CARTWATCH_CONFIG: configPath,
    CARTWATCH_INGEST_SECRET: INGEST_SECRET,
    SLACK_SIGNING_SECRET: SIGNING_SECRET.padEnd(32, '0'),
    SLACK_API_URL: slack.url,
  };
  const cluster = new ChaosCluster(INSTANCES, env, temp.dir, (line) => monkey.note(line));
  const sql = connect(url, { max: 2, applicationName: 'chaos-checks' });
  // Separate generators: the stream and the schedule replay exactly from the seed whatever the timing.
  const stream = chaosStream(new SeededRandom(seed), { lanes: LANES, now: Date.now() });
  const schedule = chaosSchedule(new SeededRandom(seed ^ 0x5bd1e995), { kills: 11, terminations: 5 });
  const monkey = new ChaosMonkey({
    cluster,
    postgres: pg,
    database,
    slack,
    random: new SeededRandom(seed + 2),
    lengthMs: LENGTH_MS,
  });
  const producer = new Producer(cluster, new SeededRandom(seed + 1), {
    lengthMs: LENGTH_MS,
    tag: seed.toString(36),
    giveUpAfterMs: 60_000,
  });
  let sending: Promise<void> = Promise.resolve();
  let acking: Promise<void> = Promise.resolve();
  let finished = false;
  let progress = 'not looked at yet';
  const phases: string[] = [];
  // Should a run ever hang, the evidence is kept before vitest's time limit ends it without a catch.
  const watchdog = setTimeout(() => {
    const logs = cluster.saveOutput(path.resolve('test-results', 'chaos', `seed-${seed}`));
    console.error(
      `chaos seed ${seed} still running after ${HANG_MS / 1000} s (${phases.join(', ')}; settling: ${progress}); ` +
        `Slack calls: ${callCounts(slack)}\n${story(monkey.log, producer, cluster)}\nevery instance's output: ${logs}`,
    );
  }, HANG_MS);
  try {
    // The first post is a digest at start-up: the instance making it dies before Slack's answer.
    monkey.killMidPost();
    const began = Date.now();
    await cluster.startAll();
    phases.push(`started ${seconds(began)}`);
    sending = producer.run(stream.lanes);
    // Awaited once the blows are dealt; a producer that gives up earlier is not an unhandled rejection.
    sending.catch(() => {});
    const people = new People({
      slack,
      cluster,
      sql,
      random: new SeededRandom(seed + 3),
      signingSecret: env.SLACK_SIGNING_SECRET,
    });
    acking = people.acknowledge(stream.acknowledged, () => finished);
    acking.catch(() => {});
    // Today's digest asked for from the shell too, racing the instances' start-up catch-ups.
    const digestCli = runCli(['digest', '--team', 'payments'], env, temp.dir);
    const chaosBegan = Date.now();
    await monkey.run(schedule);
    producer.stop();
    await sending;
    await acking;
    const cli = await digestCli;
    expect(cli.code, cli.output).toBe(0);

    phases.push(`chaos ${seconds(chaosBegan)}`);
    const settling = Date.now();
    await waitFor(
      async () => {
        const now = await settleProgress(sql, stream.expected, TEAMS);
        progress = now.said;
        return now.done;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: 'the cluster to settle',
      },
    );
    phases.push(`settled ${seconds(settling)}`);
    // A post caught in flight during settling has had its instance killed and started again by now.
    await monkey.stop();
    await cluster.settled();
    const exits = await cluster.stopAll();
    expect(exits, 'every instance stops cleanly').toEqual(exits.map(() => 0));

    const problems = findProblems({
      state: await readClusterState(sql, producer.record.acked),
      acked: producer.record.acked,
      expected: stream.expected,
      suppressed: stream.suppressed,
      teams: TEAMS,
      posts: slack.callsOf('chat.postMessage'),
      paceMs: PACE_MS,
    });
    for (const exit of cluster.unexpectedExits)
      problems.push(`${exit.instance} (run ${exit.run}) ended on its own: ${exit.code}`);
    // As text, so that every problem is shown in full.
    expect(problems.join('\n'), 'what the cluster got wrong').toBe('');
    expect(producer.record.acked.size).toBeGreaterThan(300);
    expect(monkey.log.kills).toBeGreaterThanOrEqual(12);
    expect(monkey.log.midPostKills).toBeGreaterThanOrEqual(1);
    expect(monkey.log.postgresCrashes).toBe(1);
    expect(monkey.log.terminations).toBe(5);
    console.log(
      `chaos seed ${seed} (${phases.join(', ')}; closest posts: ${closestPosts(slack.callsOf('chat.postMessage'))}): ` +
        story(monkey.log, producer, cluster).split('\n')[0],
    );
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    const missing = cluster.missingOperations();
    if (missing.length > 0) failure.message += `\nnot yet on Postgres: ${missing.join(', ')}`;
    const logs = cluster.saveOutput(path.resolve('test-results', 'chaos', `seed-${seed}`));
    failure.message += `\n${await diagnose(sql)}`;
    failure.message +=
      `\n${phases.join(', ')}; settling: ${progress}; Slack calls: ${callCounts(slack)}\n${story(monkey.log, producer, cluster)}` +
      `\n${cluster.crashTails()}\nevery instance's output: ${logs}`;
    throw failure;
  } finally {
    clearTimeout(watchdog);
    finished = true;
    producer.halt();
    await acking.catch(() => {});
    await monkey.stop();
    await sending.catch(() => {});
    await cluster.stopAll();
    await sql.end({ timeout: 1 });
    await slack.stop();
  }
}

function callCounts(slack: FakeSlack): string {
  const counts = new Map<string, number>();
  for (const call of slack.calls) counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
  return [...counts].map(([method, n]) => `${method}×${n}`).join(' ') || 'none';
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function story(log: ChaosLog, producer: Producer, cluster: ChaosCluster): string {
  const { acked, requests, retries, refusals } = producer.record;
  const refused = [...refusals].map(([status, n]) => `${status}×${n}`).join(' ') || 'none';
  return (
    `${acked.size} events acknowledged in ${requests} requests (${retries} retries; not 202: ${refused}); ` +
    `${log.kills} kills (${log.midPostKills} mid-post), ${cluster.restarts} restarts, ` +
    `${log.postgresCrashes} Postgres crash, ${log.terminations} terminations (${log.backendsTerminated} backends)\n` +
    log.lines.join('\n')
  );
}
