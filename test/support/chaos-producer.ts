import { INGEST_SECRET } from './app.js';
import type { ChaosCluster } from './chaos-cluster.js';
import { Filler, type ScriptedRequest, type WireEvent } from './chaos-stream.js';
import type { SeededRandom } from './seeded-random.js';

/** What the producer saw: every event some instance answered 202 for, and how often it had to retry. */
export interface ProducerRecord {
  acked: Set<string>;
  requests: number;
  retries: number;
  /** Answers other than 202 by status ("dropped" for a connection that broke). */
  refusals: Map<string, number>;
}

/**
 * A real producer behind a load balancer: each request goes to a random live instance and is sent
 * again (to whichever is live then) until one answers 202; a dropped connection, a 5xx or a refusal
 * all mean "not stored as far as I know". Lanes run side by side; each sends its scripted requests in
 * order, when their time in the stream comes, and filler traffic in between.
 */
export class Producer {
  readonly record: ProducerRecord = { acked: new Set(), requests: 0, retries: 0, refusals: new Map() };
  private stopping = false;
  private lastAnswered = Date.now();
  private halted = false;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly random: SeededRandom,
    /** `giveUpAfterMs`: no 202 from any instance for this long means the cluster is down for good. */
    private readonly options: { lengthMs: number; tag: string; giveUpAfterMs: number },
  ) {}

  /** Sends every lane's script, with filler around it, until `stop()` is called and the scripts are done. */
  run(lanes: ScriptedRequest[][]): Promise<void> {
    const started = Date.now();
    this.lastAnswered = started;
    return Promise.all(
      lanes.map((script, n) => this.runLane([...script], new Filler(n, this.options.tag), started)),
    ).then(() => undefined);
  }

  /** Ends the filler; scripted requests still waiting are sent at once. */
  stop(): void {
    this.stopping = true;
  }

  /** Gives up at once, whatever is unanswered (a failed run tidying up). */
  halt(): void {
    this.stopping = true;
    this.halted = true;
  }

  private async runLane(script: ScriptedRequest[], filler: Filler, started: number): Promise<void> {
    for (;;) {
      const next = script[0];
      if (next === undefined && this.stopping) return;
      const due =
        next !== undefined && (this.stopping || Date.now() - started >= next.at * this.options.lengthMs);
      if (next !== undefined && due) {
        await this.deliver(next.events);
        script.shift();
        continue;
      }
      await this.deliver(filler.next(this.random));
      await sleep(this.random.int(5, 40));
    }
  }

  /** Sends until some instance answers 202. */
  private async deliver(events: WireEvent[]): Promise<void> {
    const body = JSON.stringify(events);
    let last = 'no live instance';
    for (let attempt = 0; ; attempt++) {
      if (this.halted) throw new Error('the producer was halted');
      if (Date.now() - this.lastAnswered > this.options.giveUpAfterMs)
        throw new Error(
          `no instance answered 202 to a request of ${events.length} event(s); the last answer: ${last}`,
        );
      if (attempt > 0) {
        this.record.retries += 1;
        await sleep(this.random.int(50, 250));
      }
      const url = this.pickInstance();
      if (url === undefined) continue;
      this.record.requests += 1;
      const { status, said } = await post(url, body);
      if (status === 202) {
        this.lastAnswered = Date.now();
        for (const event of events) this.record.acked.add(event.id as string);
        return;
      }
      const key = status === undefined ? 'dropped' : String(status);
      last = `${key} ${said}`.trim();
      this.record.refusals.set(key, (this.record.refusals.get(key) ?? 0) + 1);
    }
  }

  private pickInstance(): string | undefined {
    const live = this.cluster.liveSlots();
    if (live.length === 0) return undefined;
    return this.cluster.urlOf(this.random.pick(live));
  }
}

async function post(url: string, body: string): Promise<{ status?: number; said: string }> {
  try {
    const res = await fetch(`${url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_SECRET}`, 'content-type': 'application/json' },
      body,
      // An instance stuck on a dead database connection is given up on like a dropped one.
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, said: (await res.text()).slice(0, 300) };
  } catch (error) {
    return { said: (error as Error).message };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
