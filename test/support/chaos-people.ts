import { ACTION } from '../../src/slack/ids.js';
import type { Sql } from '../../src/store/postgres/connection.js';
import { outboxIdOf } from './chaos-checks.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { FakeSlack, SlackCall } from './fake-slack.js';
import type { SeededRandom } from './seeded-random.js';
import { buttonPayload, postInteraction } from './slack-requests.js';
import { waitFor } from './wait-for.js';

/**
 * People in Slack during the chaos: each acknowledges one exception as soon as its message shows,
 * through whichever instance the load balancer picks, and clicks again, as a person would, while
 * the message does not say it is theirs (the instance died, or Postgres was away).
 */
export class People {
  constructor(
    private readonly deps: {
      slack: FakeSlack;
      cluster: ChaosCluster;
      sql: Sql;
      random: SeededRandom;
      signingSecret: string;
    },
  ) {}

  /** Resolves once each cart's exception is acknowledged; `stopped` ends the attempts early. */
  acknowledge(carts: readonly string[], stopped: () => boolean): Promise<void> {
    return Promise.all(carts.map((cart) => this.acknowledgeOne(cart, stopped))).then(() => undefined);
  }

  private async acknowledgeOne(cart: string, stopped: () => boolean): Promise<void> {
    let root: SlackCall | undefined;
    await waitFor(
      async () => {
        root = stopped() ? undefined : await this.rootPostOf(cart);
        return stopped() || root !== undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: `the message of ${cart}` },
    );
    const value = root?.blocks?.find((block) => block.type === 'actions')?.elements?.[0]?.value;
    if (root === undefined) return;
    // A message without an Acknowledge button to press is a broken run, not an acknowledgement.
    if (typeof value !== 'string') throw new Error(`the message of ${cart} has no button to click`);
    for (let click = 1; !stopped(); click++) {
      await this.click(root, value);
      const acknowledged = await this.waitUntil(cart, 'acknowledged', 3_000);
      if (acknowledged) return;
      if (click >= 30) throw new Error(`${cart} was never acknowledged after ${click} clicks`);
    }
  }

  /** The post that made the cart's exception's root message, once Slack has it. */
  private async rootPostOf(cart: string): Promise<SlackCall | undefined> {
    const rows = await this.deps.sql<{ id: number }[]>`
      SELECT o.id FROM outbox o JOIN exceptions e ON e.id = o.exception_id
      WHERE e.cart_id = ${cart} AND o.kind = 'post'`.catch(() => []); // Postgres away: look again
    const ids = new Set(rows.map((row) => row.id));
    return this.deps.slack
      .callsOf('chat.postMessage')
      .find((call) => call.reply?.ts !== undefined && ids.has(outboxIdOf(call) ?? -1));
  }

  private async click(root: SlackCall, value: string): Promise<void> {
    const { cluster, random } = this.deps;
    const live = cluster.liveSlots();
    const url = live.length > 0 ? cluster.urlOf(random.pick(live)) : undefined;
    if (url === undefined) return;
    const payload = buttonPayload({
      actionId: ACTION.acknowledge,
      value,
      user: 'U0ANNA',
      channel: String(root.args.channel),
      messageTs: String(root.reply?.ts),
    });
    await postInteraction(url, payload, { secret: this.deps.signingSecret }).then(
      (res) => res.arrayBuffer(),
      () => undefined,
    );
  }

  private async waitUntil(cart: string, state: string, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const [row] = await this.deps.sql<{ state: string }[]>`
        SELECT state FROM exceptions WHERE cart_id = ${cart}`.catch(() => []);
      if (row?.state === state) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }
}
