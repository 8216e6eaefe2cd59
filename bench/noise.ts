import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_CONFIG } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startCartwatch } from '../src/main.js';
import type { Clock } from '../src/services/clock.js';
import { busyDay, type Incident } from './noise-day.js';
import { SlackSink } from './slack-sink.js';

const SECRET = 'bench-ingest-secret-0123456789';
const MINUTE = 60_000;
const ESCALATION_CHANNEL = 'C0MANAGERS';

export interface Figure {
  name: string;
  value: number;
  unit: string;
}

class BenchClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

interface RootPost {
  channel: string;
  at: number;
  outboxId?: number;
}

/** What a root post was about, read back from the outbox row it carried as metadata. */
type Subject = { stage: string; step: string; errorCode?: string; kind: string };

/**
 * Replays a generated busy day (see noise-day.ts) through the real services on a fake clock, one
 * minute at a time: ingest over HTTP, detection, the sweep and the outbox against a Slack stand-in.
 * Nobody acknowledges anything, so escalation runs its whole course. Then counts, per injected
 * incident, how soon it reached Slack and how many root posts it took, against posting each failure.
 */
export async function measureNoise(options: { hours: number; cartsPerMinute: number }): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cartwatch-noise-'));
  // A fixed day: the same replay whatever the date the bench runs on.
  const start = Date.parse('2026-06-01T06:00:00.000Z');
  const clock = new BenchClock(start - MINUTE);
  const day = busyDay({ start, hours: options.hours, cartsPerMinute: options.cartsPerMinute });
  const sink = await new SlackSink().start();
  const posts: RootPost[] = [];
  sink.onRootPost = (args) => {
    const outboxId = metadataOutboxId(args.metadata);
    posts.push({ channel: args.channel ?? '', at: clock.now(), ...(outboxId !== undefined && { outboxId }) });
  };
  const dbPath = path.join(dir, 'noise.db');
  const running = await startCartwatch({
    env: {
      dbPath,
      port: 0,
      production: false,
      logLevel: 'error',
      ingestSecret: SECRET,
      slackBotToken: 'xoxb-bench',
      slackSigningSecret: 'bench-signing-secret',
      slackApiUrl: sink.url,
    },
    config: {
      ...DEFAULT_CONFIG,
      escalation: { ...DEFAULT_CONFIG.escalation, channel: ESCALATION_CHANNEL },
      digest: { at: '23:59', skipQuiet: true },
    },
    logger: createLogger('error'),
    clock,
    demo: false,
    tuning: { outboxPollMs: 20, postIntervalMs: 1, detectorPollMs: 60_000 },
  });
  try {
    let next = 0;
    for (let t = start; t <= start + options.hours * 60 * MINUTE + 30 * MINUTE; t += MINUTE) {
      clock.ms = t;
      const due: Record<string, unknown>[] = [];
      while (next < day.events.length && (day.events[next]?.deliverAt ?? Infinity) <= t) {
        due.push(day.events[next]?.wire as Record<string, unknown>);
        next += 1;
      }
      for (let i = 0; i < due.length; i += 1000) await ingest(running.url, due.slice(i, i + 1000));
      await running.detectNow();
      await running.sweepNow();
      running.sendNow();
      await settled(posts);
    }
  } finally {
    await running.stop();
    await sink.stop();
  }
  const figures = tally(posts, { ...day, start }, dbPath);
  rmSync(dir, { recursive: true, force: true });
  return figures;
}

async function ingest(url: string, events: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

/** Waits until the outbox has been quiet for a moment: what is due at this minute has gone out. */
async function settled(posts: RootPost[]): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 100 && seen !== posts.length; i++) {
    seen = posts.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

function metadataOutboxId(metadata: string | undefined): number | undefined {
  if (metadata === undefined) return undefined;
  try {
    const id = (JSON.parse(metadata) as { event_payload?: { outbox_id?: unknown } }).event_payload?.outbox_id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

function tally(
  posts: RootPost[],
  day: { incidents: Incident[]; failures: number; start: number },
  dbPath: string,
): Figure[] {
  const { incidents, failures, start } = day;
  const db = new Database(dbPath, { readonly: true });
  const subjectOf = db.prepare<
    [number],
    { kind: string; stage: string; step: string; error_code: string | null }
  >(
    `SELECT coalesce(e.kind, g.kind) AS kind, coalesce(e.stage, g.stage) AS stage, coalesce(e.step, g.step) AS step,
       coalesce(e.error_code, g.error_code) AS error_code
     FROM outbox o LEFT JOIN exceptions e ON e.id = o.exception_id LEFT JOIN exception_groups g ON g.id = o.group_id
     WHERE o.id = ? AND (e.id IS NOT NULL OR g.id IS NOT NULL)`,
  );
  const subject = (post: RootPost): Subject | undefined => {
    if (post.outboxId === undefined) return undefined;
    const row = subjectOf.get(post.outboxId);
    if (row === undefined) return undefined;
    return {
      kind: row.kind,
      stage: row.stage,
      step: row.step,
      ...(row.error_code !== null && { errorCode: row.error_code }),
    };
  };
  if (process.env.NOISE_VERBOSE) {
    for (const post of posts) {
      const s = subject(post);
      const what = s ? `${s.kind} ${s.stage}.${s.step} ${s.errorCode ?? ''}` : 'not an exception';
      process.stdout.write(
        `# post ${post.channel} at minute ${((post.at - start) / MINUTE).toFixed(0)}: ${what}\n`,
      );
    }
  }
  const teamPosts = posts.filter((p) => p.channel !== ESCALATION_CHANNEL);
  const escalationPosts = posts.filter((p) => p.channel === ESCALATION_CHANNEL);
  let caught = 0;
  let worstMinutes = 0;
  let worstPerIncident = 0;
  let late = 0;
  const lines: string[] = [];
  for (const incident of incidents) {
    // Its posts: about it, from a minute before it started (what came earlier has another cause).
    const mine = teamPosts.filter((p) => {
      const s = subject(p);
      return s !== undefined && incident.covers(s) && p.at >= incident.startsAt - MINUTE;
    });
    const first = mine[0];
    if (first !== undefined) caught += 1;
    const minutes = first === undefined ? Number.POSITIVE_INFINITY : (first.at - incident.startsAt) / MINUTE;
    if (minutes * MINUTE > incident.allowedMs) late += 1;
    worstMinutes = Math.max(worstMinutes, minutes);
    worstPerIncident = Math.max(worstPerIncident, mine.length);
    const when = mine.map((p) => `${((p.at - incident.startsAt) / MINUTE).toFixed(0)}m`).join(' ');
    lines.push(`#   ${incident.name}: ${mine.length} root posts (at ${when || 'none'} from its start)`);
  }
  db.close();
  process.stdout.write(`${lines.join('\n')}\n`);
  return [
    { name: 'noise.incidents', value: incidents.length, unit: 'incidents' },
    { name: 'noise.incidents.caught', value: caught, unit: `of ${incidents.length}` },
    { name: 'noise.incidents.late', value: late, unit: 'incidents' },
    { name: 'noise.root_posts', value: teamPosts.length, unit: 'posts' },
    { name: 'noise.root_posts.per_incident', value: worstPerIncident, unit: 'posts (worst incident)' },
    { name: 'noise.escalation_posts', value: escalationPosts.length, unit: 'posts' },
    { name: 'noise.first_post.minutes', value: worstMinutes, unit: 'min (worst incident)' },
    { name: 'noise.naive.posts', value: failures, unit: 'posts (one per failure)' },
  ];
}
