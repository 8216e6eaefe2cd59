import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve } from './processes.js';
import { SlackSink } from './slack-sink.js';
import type { Figure } from './status.js';

const CHANNELS = ['C0BENCH1', 'C0BENCH2', 'C0BENCH3'];
const POSTS_PER_CHANNEL = 8;

/**
 * Cartwatch posting a queue of exceptions into three channels at once, against a Slack that
 * answers instantly: how fast each channel drains. Slack allows about one post per second per
 * channel, so the figure should sit just under 1.
 */
export async function measureOutboxDrain(cli: string, secret: string): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cartwatch-bench-outbox-'));
  const sink = await new SlackSink().start();
  const teams = CHANNELS.map((channel, i) => `  team${i}: { channel: ${channel} }`).join('\n');
  const routes = ['payment', 'fulfillment'].map(
    (stage, i) => `  - { match: { stage: ${stage} }, team: team${i} }`,
  );
  writeFileSync(
    path.join(dir, 'cartwatch.yml'),
    `teams:\n${teams}\nroutes:\n${routes.join('\n')}\n  - { team: team2 }\ndigest: { at: "23:59" }\n`,
  );
  const served = await serve(cli, ['start', '--no-demo'], {
    PORT: '0',
    CARTWATCH_DB: path.join(dir, 'outbox.db'),
    CARTWATCH_CONFIG: path.join(dir, 'cartwatch.yml'),
    CARTWATCH_INGEST_SECRET: secret,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: sink.url,
    LOG_LEVEL: 'error',
  });
  try {
    // Distinct error codes: each failure is its own exception, none grouped into a storm.
    const events = ['payment', 'fulfillment', 'inventory'].flatMap((stage) =>
      Array.from({ length: POSTS_PER_CHANNEL }, (_, i) => ({
        id: `drain_${stage}_${i}`,
        cart_id: `cart_${stage}_${i}`,
        stage,
        step: 'run',
        status: 'failed',
        error: { code: `code_${i}` },
        occurred_at: new Date().toISOString(),
        source: 'bench',
      })),
    );
    const res = await fetch(`${served.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    if (res.status !== 202) throw new Error(`the drain bench's events were refused (${res.status})`);
    const deadline = Date.now() + 90_000;
    const done = () => CHANNELS.every((c) => (sink.postsByChannel.get(c)?.length ?? 0) >= POSTS_PER_CHANNEL);
    while (!done()) {
      if (Date.now() > deadline) throw new Error('the outbox did not drain within 90 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rates = CHANNELS.map((channel) => {
      const times = sink.postsByChannel.get(channel) ?? [];
      const spanS = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
      return (times.length - 1) / spanS;
    });
    return [
      { name: 'outbox.drain.per_channel.rps', value: Math.max(...rates), unit: 'posts/s' },
      { name: 'outbox.drain.channels', value: CHANNELS.length, unit: 'channels' },
    ];
  } finally {
    await served.stop();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
