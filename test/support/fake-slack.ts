import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

export interface SlackCall {
  method: string;
  args: Record<string, any>;
  /** Parsed `blocks` (Slack receives them as a JSON string in form posts). */
  blocks?: any[];
  at: number;
  /** What the fake answered (e.g. the new message's ts). */
  reply?: Record<string, any>;
  /** The token the call was made with (its Authorization header). */
  token?: string;
}

/** A channel as conversations.info describes it; `missing` answers channel_not_found. */
export type FakeChannel =
  | { name: string; is_private?: boolean; is_archived?: boolean; is_member?: boolean }
  | 'missing';

/** Answers a method the fake does not know itself (e.g. apps.connections.open for Socket Mode). */
export type MethodHandler = (args: Record<string, any>, call: { token?: string }) => Record<string, unknown>;

export type Fault =
  | { status: 429; retryAfter: number }
  | { status: 500 }
  | { error: string }
  | { hang: true }
  /** Slack acts on the call (the message exists) but its answer never arrives. */
  | { dropReply: true }
  /** Slack answers as usual, only this much later. */
  | { delayMs: number };

/** A message as the fake's channels hold it, newest last. */
interface StoredMessage {
  ts: string;
  text?: string;
  thread_ts?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/**
 * A stand-in for Slack's Web API on 127.0.0.1: records every call and answers as Slack does
 * for the methods Cartwatch uses, or with a fault a test scripted.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  private readonly faults: { method: string; fault: Fault; remaining: number; channel?: string }[] = [];
  private server: Server | undefined;
  private port = 0;
  private readonly messages = new Map<string, StoredMessage[]>();
  /** usergroups.users.list answers from here; a group not listed is `no_such_subteam`. */
  readonly userGroups = new Map<string, string[]>();
  /** conversations.info answers from here; a channel not listed is public, with the bot not in it. */
  readonly channels = new Map<string, FakeChannel>();
  /** When set, every answer carries them in `x-oauth-scopes`, as Slack does for a bot token. */
  grantedScopes: string[] | undefined;
  readonly handlers = new Map<string, MethodHandler>();
  private nextTs = 1_700_000_000_000_100;
  url = '';

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      res.on('error', () => {});
      void this.handle(req).then(({ status, body, headers }) => {
        if (status === 0) return; // hang: never answer
        const scopes = this.grantedScopes && { 'x-oauth-scopes': this.grantedScopes.join(',') };
        res.writeHead(status, { 'content-type': 'application/json', ...scopes, ...headers });
        res.end(JSON.stringify(body));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/api/`;
    return this;
  }

  /** Slack unreachable: the port refuses connections until `restart`. */
  async refuseConnections(): Promise<void> {
    await this.stop();
  }

  /** Listens again on the same port, with everything it recorded kept. */
  async restart(): Promise<void> {
    await this.start();
  }

  /** What a channel holds now (root messages and replies, oldest first). */
  messagesIn(channel: string): StoredMessage[] {
    return this.messages.get(channel) ?? [];
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The next `times` calls of `method` (to `where.channel` only, if given) fail with `fault`. */
  failNext(method: string, fault: Fault, times = 1, where: { channel?: string } = {}): void {
    this.faults.push({ method, fault, remaining: times, ...where });
  }

  /** True while a scripted fault for `method` has not been used up. */
  faultPending(method: string): boolean {
    return this.faults.some((f) => f.method === method && f.remaining > 0);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  async waitForCalls(method: string, count: number, timeoutMs = 5000): Promise<SlackCall[]> {
    await waitFor(() => this.callsOf(method).length >= count, {
      timeoutMs,
      what: `${count} ${method} call(s)`,
    });
    return this.callsOf(method);
  }

  /**
   * A response_url as Slack hands one out with an interaction: what is posted to it is recorded
   * as the method `response_url` (with `url`), and it answers as Slack does.
   */
  responseUrl(key = 'action'): string {
    return `${this.url.replace(/\/api\/$/, '')}/respond/${key}`;
  }

  private async handle(req: IncomingMessage) {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const responding = path.startsWith('/respond/');
    const method = responding ? 'response_url' : path.replace(/^\/api\//, '');
    const args = parseArgs(await readText(req), req.headers['content-type']);
    if (responding) args.url = `${this.url.replace(/\/api\/$/, '')}${path}`;
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const fault = this.takeFault(method, args);
    if (fault && 'hang' in fault) return { status: 0, body: null, headers: {} };
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    const call: SlackCall = { method, args, at: Date.now(), ...(token !== undefined && { token }) };
    if (typeof args.blocks === 'string') call.blocks = JSON.parse(args.blocks);
    else if (Array.isArray(args.blocks)) call.blocks = args.blocks;
    if (fault && 'dropReply' in fault) {
      // Slack made the post (its blocks are what people see); only its answer is lost.
      call.reply = this.answer(method, args, token);
      this.calls.push(call);
      return { status: 0, body: null, headers: {} };
    }
    if (fault && 'status' in fault && fault.status === 429) {
      return {
        status: 429,
        body: { ok: false, error: 'ratelimited' },
        headers: { 'retry-after': String(fault.retryAfter) },
      };
    }
    if (fault && 'status' in fault)
      return { status: fault.status, body: { ok: false, error: 'internal_error' }, headers: {} };
    if (fault && 'error' in fault) {
      this.calls.push(call);
      return { status: 200, body: { ok: false, error: fault.error }, headers: {} };
    }
    call.reply = this.answer(method, args, token);
    this.calls.push(call);
    return { status: 200, body: call.reply, headers: {} };
  }

  private takeFault(method: string, args: Record<string, any>): Fault | undefined {
    const entry = this.faults.find(
      (f) =>
        f.method === method && f.remaining > 0 && (f.channel === undefined || f.channel === args.channel),
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    return entry.fault;
  }

  private answer(method: string, args: Record<string, any>, token?: string): Record<string, unknown> {
    const handler = this.handlers.get(method);
    if (handler) return handler(args, { ...(token !== undefined && { token }) });
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack/',
          team: 'Fake',
          user: 'cartwatch',
          team_id: 'T0FAKE',
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        };
      case 'chat.postMessage': {
        const ts = this.ts();
        this.store(String(args.channel), {
          ts,
          text: args.text,
          ...(args.thread_ts && { thread_ts: String(args.thread_ts) }),
          ...(args.metadata && { metadata: safeJson(args.metadata) as StoredMessage['metadata'] }),
        });
        return { ok: true, channel: args.channel, ts, message: { ts, text: args.text } };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const all = this.messagesIn(String(args.channel));
        const wanted =
          method === 'conversations.history'
            ? all.filter((m) => m.thread_ts === undefined)
            : all.filter((m) => m.ts === args.ts || m.thread_ts === args.ts);
        const withMetadata = String(args.include_all_metadata) === 'true';
        const newestFirst = method === 'conversations.history' ? [...wanted].reverse() : wanted;
        const messages = newestFirst.slice(0, Number(args.limit ?? 100)).map(({ metadata, ...m }) => ({
          type: 'message',
          ...m,
          ...(withMetadata && metadata && { metadata }),
        }));
        return { ok: true, messages, has_more: false };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.ts() };
      case 'chat.getPermalink':
        return {
          ok: true,
          channel: args.channel,
          permalink: `https://fake.slack/archives/${args.channel}/p${String(args.message_ts).replace('.', '')}`,
        };
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return { ok: true, view: { id: `V${this.calls.length}`, ...safeJson(args.view) } };
      case 'users.info':
        return {
          ok: true,
          user: { id: args.user, name: String(args.user).toLowerCase(), real_name: `User ${args.user}` },
        };
      case 'usergroups.users.list': {
        const users = this.userGroups.get(String(args.usergroup));
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'conversations.info': {
        const channel = this.channels.get(String(args.channel));
        if (channel === 'missing') return { ok: false, error: 'channel_not_found' };
        const described = channel ?? { name: String(args.channel).toLowerCase(), is_member: false };
        return {
          ok: true,
          channel: {
            id: args.channel,
            is_private: false,
            is_archived: false,
            is_member: false,
            ...described,
          },
        };
      }
      case 'response_url':
        return { ok: true };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private store(channel: string, message: StoredMessage): void {
    const list = this.messages.get(channel) ?? [];
    list.push(message);
    this.messages.set(channel, list);
  }

  private ts(): string {
    const n = this.nextTs++;
    return `${Math.floor(n / 1_000_000)}.${String(n % 1_000_000).padStart(6, '0')}`;
  }
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
  });
}

function parseArgs(text: string, contentType: string | undefined): Record<string, any> {
  if (contentType?.includes('application/json')) return text ? JSON.parse(text) : {};
  return Object.fromEntries(new URLSearchParams(text));
}

function safeJson(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string') return (value as Record<string, unknown>) ?? {};
  try {
    return JSON.parse(value);
  } catch {
    return {};
  }
}
