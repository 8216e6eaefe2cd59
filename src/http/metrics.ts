import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoredEvent } from '../domain/event.js';
import { type Clock, systemClock } from '../services/clock.js';
import type { Observer } from '../services/observer.js';
import type { Store } from '../store/store.js';
import { processMetrics } from './process-metrics.js';

/**
 * The figures an operator watches, in Prometheus text format at GET /metrics. Labels carry only
 * configuration-sized values (stage, source, team, kind, topic): never customer data.
 */
export class Metrics implements Observer {
  readonly registry = new Registry();
  private readonly instance: string | undefined;
  readonly webhooks = new Counter({
    name: 'cartwatch_webhooks_total',
    help: 'Webhook deliveries by platform, topic and outcome (accepted, duplicate, ignored, unkeyed: about no cart Cartwatch can key, invalid, unauthorized, refused: the store could not take it, answered 503).',
    labelNames: ['platform', 'topic', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly events = new Counter({
    name: 'cartwatch_events_stored_total',
    help: 'Events stored, by source and stage.',
    labelNames: ['source', 'stage'] as const,
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'cartwatch_events_duplicate_total',
    help: 'Events refused as repeats of an id already stored.',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'cartwatch_ingest_rejected_total',
    help: 'Ingest requests refused, by HTTP status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly ingestSeconds = new Histogram({
    name: 'cartwatch_ingest_seconds',
    help: 'POST /events from request to reply (durable commit included).',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  private readonly handled = new Histogram({
    name: 'cartwatch_exception_handled_seconds',
    help: 'Time from first seen to acknowledged or resolved (action: acknowledge, resolve by a person, auto_resolve by later events).',
    labelNames: ['action'] as const,
    buckets: [60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600],
    registers: [this.registry],
  });
  private readonly digests = new Counter({
    name: 'cartwatch_digest_runs_total',
    help: 'Digest runs by team and outcome.',
    labelNames: ['team', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly suppressed = new Counter({
    name: 'cartwatch_suppressed_total',
    help: "Failures (and stalls) held back by noise.suppress: stored and counted, never raised; by the rule's reason.",
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly rateExceptions = new Counter({
    name: 'cartwatch_rate_exceptions_total',
    help: 'Rate exceptions raised, by failure-rate rule (noise.rates).',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  private readonly slackErrors = new Counter({
    name: 'cartwatch_slack_errors_total',
    help: 'Failed Slack Web API calls by method and error.',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });

  /**
   * `clock`: the app's, for what holds "now" (silences active). `instance`: this instance's name,
   * a label on every series, so instances sharing a database are told apart when scraped together.
   */
  constructor(store: Store, clock: Clock = systemClock, options: { instance?: string } = {}) {
    this.instance = options.instance;
    if (this.instance !== undefined) this.registry.setDefaultLabels({ instance: this.instance });
    new Gauge({
      name: 'cartwatch_exceptions_open',
      help: 'Open or acknowledged exceptions, by team and kind.',
      labelNames: ['team', 'kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await store.liveExceptionCounts())
          this.set({ team: row.team, kind: row.kind }, row.count);
      },
    });
    new Gauge({
      name: 'cartwatch_outbox_pending',
      help: 'Slack writes waiting in the outbox.',
      registers: [this.registry],
      async collect() {
        this.set((await store.outboxHealth()).pending);
      },
    });
    new Gauge({
      name: 'cartwatch_outbox_oldest_due_seconds',
      help: 'How long the oldest pending Slack write has been due (0 when none).',
      registers: [this.registry],
      async collect() {
        const oldest = (await store.outboxHealth()).oldestPendingDueAt;
        this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
      },
    });
    this.silenceFigures(store, clock);
  }

  /** Read from the store when scraped: what silences held back stays counted across restarts. */
  private silenceFigures(store: Store, clock: Clock): void {
    new Counter({
      name: 'cartwatch_silenced_total',
      help: 'Exceptions raised while a silence (or maintenance window) held them back, by team.',
      labelNames: ['team'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of (await store.silenceCounts(clock.now())).silenced)
          this.inc({ team: row.team }, row.count);
      },
    });
    new Gauge({
      name: 'cartwatch_silences_active',
      help: 'Silences holding now (maintenance windows included), by team ("all" for a window over every team).',
      labelNames: ['team'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of (await store.silenceCounts(clock.now())).active)
          this.set({ team: row.team }, row.count);
      },
    });
  }

  eventsStored(events: readonly StoredEvent[]): void {
    for (const event of events) this.events.inc({ source: tame(event.source), stage: event.stage });
  }

  exceptionHandled(action: 'acknowledge' | 'resolve' | 'auto_resolve', sinceFirstSeenMs: number): void {
    this.handled.observe({ action }, Math.max(0, sinceFirstSeenMs) / 1000);
  }

  digestRan(team: string, outcome: string): void {
    this.digests.inc({ team, outcome });
  }

  slackCallFailed(method: string, code: string): void {
    this.slackErrors.inc({ method, code: code.slice(0, 40) });
  }

  failuresSuppressed(reason: string, count: number): void {
    this.suppressed.inc({ reason }, count);
  }

  rateExceptionRaised(rule: string): void {
    this.rateExceptions.inc({ rule });
  }

  route() {
    return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end();
        return;
      }
      const served = Registry.merge([processMetrics(), this.registry]);
      // The process's figures are shared by every instance in it: labelled at serving, as ours are.
      if (this.instance !== undefined) served.setDefaultLabels({ instance: this.instance });
      const text = await served.metrics();
      res.writeHead(200, { 'content-type': served.contentType }).end(text);
    };
  }
}

/** Sources are the producers' own names: kept when they look like names, folded otherwise. */
function tame(label: string): string {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(label) ? label : 'other';
}
