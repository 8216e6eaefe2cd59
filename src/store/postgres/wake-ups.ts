import type { WakeTopic } from '../store.js';
import type { Sql } from './connection.js';

/** The channels the schema's statement triggers notify, once per committing transaction. */
const CHANNELS: Record<WakeTopic, string> = {
  events: 'cartwatch_events',
  outbox: 'cartwatch_outbox',
};

/** A first LISTEN that failed (Postgres away at start) is tried again this often. */
const RETRY_MS = 5_000;

/**
 * Wake-ups from other instances' commits by LISTEN/NOTIFY. The client keeps one connection for
 * listening, outside the pool, and re-subscribes after it reconnects; the listener is also called
 * on every (re)subscription, because notifications sent while disconnected are lost. Polling stays
 * the fallback for anything missed.
 */
export class WakeUps {
  constructor(private readonly sql: Sql) {}

  subscribe(topic: WakeTopic, listener: () => void): () => void {
    let unlisten: (() => Promise<void>) | undefined;
    let retry: NodeJS.Timeout | undefined;
    let ended = false;
    const listen = () => {
      this.sql
        .listen(CHANNELS[topic], () => listener(), listener)
        .then(
          (subscription) => {
            if (ended) void subscription.unlisten().catch(() => {});
            else unlisten = subscription.unlisten;
          },
          () => {
            if (!ended) retry = setTimeout(listen, RETRY_MS).unref();
          },
        );
    };
    listen();
    return () => {
      ended = true;
      clearTimeout(retry);
      void unlisten?.().catch(() => {});
    };
  }
}
