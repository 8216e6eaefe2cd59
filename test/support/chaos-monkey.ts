import type { ChaosCluster } from './chaos-cluster.js';
import type { ChaosPostgres } from './chaos-postgres.js';
import type { FakeSlack } from './fake-slack.js';
import type { SeededRandom } from './seeded-random.js';
import { waitFor } from './wait-for.js';

/** One blow, at a share of the stream's length. */
export type ChaosAction =
  | { at: number; kind: 'kill' }
  | { at: number; kind: 'crash-postgres' }
  | { at: number; kind: 'terminate-backends' }
  /** Slack makes the next post but its answer never comes; the instance that sent it is then killed. */
  | { at: number; kind: 'kill-mid-post' };

export interface ChaosPlan {
  kills: number;
  terminations: number;
}

/** When each blow falls, drawn from `random`: kills spread over the run, Postgres crashed once mid-way. */
export function chaosSchedule(random: SeededRandom, plan: ChaosPlan): ChaosAction[] {
  const actions: ChaosAction[] = [];
  for (let i = 0; i < plan.kills; i++) actions.push({ at: 0.03 + random.next() * 0.92, kind: 'kill' });
  for (let i = 0; i < plan.terminations; i++)
    actions.push({ at: 0.05 + random.next() * 0.9, kind: 'terminate-backends' });
  actions.push({ at: 0.35 + random.next() * 0.3, kind: 'crash-postgres' });
  actions.push({ at: 0.4 + random.next() * 0.2, kind: 'kill-mid-post' });
  return actions.sort((a, b) => a.at - b.at);
}

/** What the monkey did, for the failure message and the final checks. */
export interface ChaosLog {
  kills: number;
  midPostKills: number;
  postgresCrashes: number;
  backendsTerminated: number;
  terminations: number;
  lines: string[];
}

/**
 * Deals the blows of a schedule to a running cluster (the cluster's supervisor starts a killed
 * instance again). At least one instance is always left running, as a load balancer needs, except
 * when the instance caught mid-post is the last one.
 */
export class ChaosMonkey {
  readonly log: ChaosLog = {
    kills: 0,
    midPostKills: 0,
    postgresCrashes: 0,
    backendsTerminated: 0,
    terminations: 0,
    lines: [],
  };
  private began = Date.now();
  private readonly watching = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: {
      cluster: ChaosCluster;
      postgres: ChaosPostgres;
      database: string;
      slack: FakeSlack;
      random: SeededRandom;
      lengthMs: number;
    },
  ) {}

  async run(schedule: readonly ChaosAction[]): Promise<void> {
    this.began = Date.now();
    for (const action of schedule) {
      const wait = this.began + action.at * this.deps.lengthMs - Date.now();
      if (wait > 0) await sleep(wait);
      await this.deal(action);
    }
  }

  /**
   * The next post Slack makes is never answered, and whichever instance made it is killed then,
   * whenever that is (the first is a digest at start-up, when armed before the cluster starts).
   */
  killMidPost(): void {
    const { slack } = this.deps;
    const from = slack.calls.length;
    slack.failNext('chat.postMessage', { dropReply: true });
    const watch = (async () => {
      await waitFor(() => this.stopped || !slack.faultPending('chat.postMessage'), {
        timeoutMs: 600_000,
        intervalMs: 20,
      });
      const dropped = slack.calls.slice(from).find((call) => call.method === 'chat.postMessage');
      const slot = this.deps.cluster.slotOfToken(dropped?.token);
      if (this.stopped || slot === undefined) return;
      // Caught during its own start, it is killed as soon as it counts as running.
      await waitFor(() => this.stopped || this.deps.cluster.liveSlots().includes(slot), {
        timeoutMs: 60_000,
      });
      if (this.stopped) return;
      this.log.midPostKills += 1;
      await this.kill(slot, 'SIGKILL mid-post');
    })();
    this.watching.add(watch);
  }

  /** Ends the watch for a post in flight; resolves when no blow is being dealt. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.watching);
  }

  note(line: string): void {
    this.log.lines.push(`${((Date.now() - this.began) / 1000).toFixed(1)}s ${line}`);
  }

  private async deal(action: ChaosAction): Promise<void> {
    const { postgres, database } = this.deps;
    switch (action.kind) {
      case 'kill':
        await this.killOne();
        return;
      case 'kill-mid-post':
        this.killMidPost();
        return;
      case 'terminate-backends': {
        const n = await postgres.terminateBackends(database);
        this.log.terminations += 1;
        this.log.backendsTerminated += n;
        this.note(`terminated ${n} backend(s)`);
        return;
      }
      case 'crash-postgres':
        this.note('Postgres: restart -m immediate');
        await postgres.crashRestart();
        this.log.postgresCrashes += 1;
        this.note('Postgres back');
        return;
    }
  }

  private async killOne(): Promise<void> {
    const { cluster, random } = this.deps;
    // A restart takes seconds on a busy machine; the blow waits for it rather than take the last one down.
    await waitFor(() => cluster.liveSlots().length >= 2, {
      timeoutMs: 120_000,
      intervalMs: 50,
      what: 'two live instances',
    });
    await this.kill(random.pick(cluster.liveSlots()), 'SIGKILL');
  }

  private async kill(slot: number, how: string): Promise<void> {
    await this.deps.cluster.kill(slot, this.deps.random.int(0, 1_000));
    this.log.kills += 1;
    this.note(`${how} chaos-${slot + 1}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
