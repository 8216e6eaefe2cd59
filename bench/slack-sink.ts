import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in for Slack's Web API that answers at once and notes when each post reached it. */
export class SlackSink {
  /** Root posts per channel, by arrival time (ms). */
  readonly postsByChannel = new Map<string, number[]>();
  /** Told of every root post (not thread replies) with the ts it was given. */
  onRootPost: ((args: Record<string, string>, ts: string) => void) | undefined;
  private server: Server | undefined;
  private ts = 1_700_000_000_000_000;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const method = (req.url ?? '').replace(/^\/api\//, '');
        const args = req.headers['content-type']?.includes('json')
          ? JSON.parse(body || '{}')
          : Object.fromEntries(new URLSearchParams(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.answer(method, args)));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private answer(method: string, args: Record<string, string>): Record<string, unknown> {
    if (method === 'auth.test') return { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0' };
    if (method === 'chat.postMessage') {
      if (args.thread_ts === undefined && /cart /.test(args.text ?? '')) {
        const list = this.postsByChannel.get(args.channel ?? '') ?? [];
        list.push(performance.now());
        this.postsByChannel.set(args.channel ?? '', list);
      }
      const ts = String(++this.ts / 1_000_000);
      if (args.thread_ts === undefined) this.onRootPost?.(args, ts);
      return { ok: true, channel: args.channel, ts };
    }
    if (method === 'conversations.history') return { ok: true, messages: [] };
    if (method === 'chat.getPermalink')
      return { ok: true, permalink: `https://sink.slack/${args.channel}/${args.message_ts}` };
    return { ok: true };
  }
}
