import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack } from './fake-slack.js';
import { waitFor } from './wait-for.js';

export const APP_ID = 'A0CARTWATCH';

/** What the app sent back for an envelope: `payload` is the ack's body (a command's reply, a modal's errors). */
export interface Ack {
  envelope_id: string;
  payload?: Record<string, any>;
}

export interface Delivery {
  retryAttempt?: number;
  retryReason?: string;
}

/**
 * Slack's side of Socket Mode on 127.0.0.1, beside a FakeSlack: apps.connections.open (called with
 * the app-level token) answers a one-time ws:// URL; a connection on it gets `hello`; envelopes of
 * type `slash_commands`, `interactive` and `events_api` are delivered as Slack documents them, and
 * the app's acks (`{"envelope_id", "payload"}`) are recorded; `disconnect` asks the app to reconnect.
 */
export class FakeSocketMode {
  readonly acks: Ack[] = [];
  /** One entry per connection that got `hello`, in order. */
  readonly connections: { ticket: string; closed: boolean }[] = [];
  private readonly tickets = new Set<string>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private server: Server | undefined;
  private current: WebSocket | undefined;
  private port = 0;

  constructor(private readonly slack: FakeSlack) {}

  async start(): Promise<this> {
    const server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.slack.handlers.set('apps.connections.open', (_args, call) => {
      // Slack wants the app-level token here; the bot token is refused.
      if (!call.token?.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
      const ticket = randomUUID();
      this.tickets.add(ticket);
      return { ok: true, url: `ws://127.0.0.1:${this.port}/link/?ticket=${ticket}&app_id=${APP_ID}` };
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Until `count` connections have been greeted and the latest is open. */
  async waitForConnections(count: number): Promise<void> {
    await waitFor(() => this.connections.length >= count && this.current?.readyState === 1, {
      what: `${count} Socket Mode connection(s)`,
    });
  }

  slashCommand(payload: Record<string, unknown>): string {
    return this.deliver('slash_commands', payload, { accepts_response_payload: true });
  }

  /** `delivery` marks it as a retry: Slack documents that for events_api; a bot should cope either way. */
  interactive(payload: Record<string, unknown>, delivery?: Delivery): string {
    // A modal submission may be answered in its ack (errors, update); a button click may not.
    const answerable = payload.type === 'view_submission' || payload.type === 'block_suggestion';
    return this.deliver('interactive', payload, {
      accepts_response_payload: answerable,
      ...(delivery && retryFields(delivery)),
    });
  }

  eventsApi(payload: Record<string, unknown>, delivery: Delivery = {}): string {
    return this.deliver('events_api', payload, { accepts_response_payload: false, ...retryFields(delivery) });
  }

  /** Slack recycling the connection: the app should close it and open a new one. */
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    this.send({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } });
  }

  async waitForAck(envelopeId: string): Promise<Ack> {
    await waitFor(() => this.acks.some((ack) => ack.envelope_id === envelopeId), {
      what: `the ack of envelope ${envelopeId}`,
    });
    return this.acks.find((ack) => ack.envelope_id === envelopeId) as Ack;
  }

  private deliver(type: string, payload: Record<string, unknown>, extra: Record<string, unknown>): string {
    const envelopeId = randomUUID();
    this.send({ envelope_id: envelopeId, payload, type, ...extra });
    return envelopeId;
  }

  private send(message: Record<string, unknown>): void {
    if (this.current?.readyState !== 1) throw new Error('no open Socket Mode connection to send on');
    this.current.send(JSON.stringify(message));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'ws://fake').searchParams.get('ticket') ?? '';
    // Each URL works once, as Slack's do: a reconnect must ask apps.connections.open again.
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.greet(ws, ticket));
  }

  private greet(ws: WebSocket, ticket: string): void {
    const connection = { ticket, closed: false };
    this.connections.push(connection);
    this.current = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Ack;
      if (typeof message.envelope_id === 'string') this.acks.push(message);
    });
    ws.on('close', () => {
      connection.closed = true;
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
      }),
    );
  }
}

function retryFields(delivery: Delivery): Record<string, unknown> {
  return { retry_attempt: delivery.retryAttempt ?? 0, retry_reason: delivery.retryReason ?? '' };
}
