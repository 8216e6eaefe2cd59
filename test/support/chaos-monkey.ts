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
  actions.push({ at: 0.45 + random.next() * 0.2, kind: 'kill-mid-post' });
  return actions.sort((a, b) => a.at - b.at);
}

/** What the monkey did, for the failure message and the final checks. */
export interface ChaosLog {
  kills: number;
  killedMidPost: boolean;
  postgresCrashes: number;
  backendsTerminated: number;
  terminations: number;
  lines: string[];
}

/**
 * Deals the blows of a schedule to a running cluster. A killed instance comes back after a short,
 * random while (its restart retried while Postgres is down); at least one instance is always left
 * running, as a load balancer needs.
 */
export class ChaosMonkey {
  readonly log: ChaosLog = {
    kills: 0,
    killedMidPost: false,
    postgresCrashes: 0,
    backendsTerminated: 0,
    terminations: 0,
    lines: [],
  };
  private began = Date.now();

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

  private async deal(action: ChaosAction): Promise<void> {
    const { postgres, database } = this.deps;
    switch (action.kind) {
      case 'kill':
        await this.killOne();
        return;
      case 'kill-mid-post':
        await this.killMidPost();
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
      timeoutMs: 60_000,
      intervalMs: 50,
      what: 'two live instances',
    });
    const slot = random.pick(cluster.liveSlots());
    await this.killAndRestart(slot, 'SIGKILL');
  }

  /** Arms a dropped reply on the next post and kills whichever instance made it. */
  private async killMidPost(): Promise<void> {
    const { slack, cluster } = this.deps;
    const from = slack.calls.length;
    slack.failNext('chat.postMessage', { dropReply: true });
    await waitFor(() => !slack.faultPending('chat.postMessage'), {
      timeoutMs: 30_000,
      what: 'a post in flight',
    });
    const dropped = slack.calls.slice(from).find((call) => call.method === 'chat.postMessage');
    const slot = cluster.slotOfToken(dropped?.token);
    if (slot === undefined || !cluster.liveSlots().includes(slot)) {
      this.note(`post in flight from ${dropped?.token ?? 'nobody'}: its instance is not running`);
      return;
    }
    this.log.killedMidPost = true;
    await this.killAndRestart(slot, 'SIGKILL mid-post');
  }

  private async killAndRestart(slot: number, how: string): Promise<void> {
    const { cluster, random } = this.deps;
    await cluster.kill(slot, random.int(0, 1_000));
    this.log.kills += 1;
    this.note(`${how} chaos-${slot + 1}`);
  }

  note(line: string): void {
    this.log.lines.push(`${((Date.now() - this.began) / 1000).toFixed(1)}s ${line}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
