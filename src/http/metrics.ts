import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Registry } from 'prom-client';

/** The counters an operator watches, in Prometheus text format at GET /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly webhooks = new Counter({
    name: 'cartwatch_webhooks_total',
    help: 'Webhook deliveries by platform, topic and outcome (accepted, ignored, invalid, unauthorized).',
    labelNames: ['platform', 'topic', 'outcome'] as const,
    registers: [this.registry],
  });

  route() {
    return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end();
        return;
      }
      const text = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(text);
    };
  }
}
