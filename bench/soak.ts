import autocannon from 'autocannon';
import { rssMb, type Served } from './processes.js';
import type { Figure } from './status.js';

/**
 * Steady ingest for `seconds` at a fixed rate: does resident memory keep growing? Growth is the
 * last fifth's mean RSS minus the mean of the fifth after warm-up.
 */
export async function measureSoak(served: Served, secret: string, seconds: number): Promise<Figure[]> {
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssMb(served.child.pid as number)), 1000);
  let seq = 0;
  await autocannon({
    url: `${served.url}/events`,
    method: 'POST',
    connections: 8,
    overallRate: 2000,
    duration: seconds,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            id: `soak_${process.pid}_${++seq}`,
            cart_id: `cart_${seq % 50_000}`,
            stage: seq % 2 ? 'checkout' : 'payment',
            step: 'submit',
            status: 'succeeded',
            occurred_at: new Date().toISOString(),
            source: 'soak',
          }),
        }),
      },
    ],
  });
  clearInterval(sampler);
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
  const early = mean(samples.slice(fifth, 2 * fifth));
  const late = mean(samples.slice(-fifth));
  return [
    { name: 'soak.seconds', value: seconds, unit: 's' },
    { name: 'soak.rss.growth.mb', value: late - early, unit: 'MB' },
    { name: 'soak.rss.peak.mb', value: Math.max(...samples), unit: 'MB' },
  ];
}
