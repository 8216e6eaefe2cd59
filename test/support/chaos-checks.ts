import type { Sql } from '../../src/store/postgres/connection.js';
import { paceProblems } from './chaos-pace.js';
import type { ExpectedException } from './chaos-stream.js';
import type { SlackCall } from './fake-slack.js';

/** What the cluster left in the database, read once it settled. */
export interface ClusterState {
  storedOfAcked: Set<string>;
  doubledEvents: string[];
  exceptions: {
    id: number;
    cart_id: string | null;
    kind: string;
    state: string;
    channel: string;
    count: number;
    slack_ts: string | null;
    group_id: number | null;
  }[];
  groups: { id: number; slack_ts: string | null }[];
  outbox: {
    id: number;
    exception_id: number | null;
    group_id: number | null;
    kind: string;
    state: string;
    channel: string;
    last_error: string | null;
  }[];
  digestRuns: { team: string; local_date: string }[];
  suppressed: number;
  /** How often each exception's trail says it opened and was resolved automatically. */
  trails: { exception_id: number; opened: number; acknowledged: number; auto_resolved: number }[];
}

export async function readClusterState(sql: Sql, acked: Iterable<string>): Promise<ClusterState> {
  const ids = [...acked];
  const stored = await sql<{ id: string }[]>`SELECT id FROM events WHERE id = ANY(${ids}::text[])`;
  const doubled = await sql<{ id: string }[]>`SELECT id FROM events GROUP BY id HAVING count(*) > 1`;
  const exceptions = await sql<ClusterState['exceptions']>`
    SELECT id, cart_id, kind, state, channel, count, slack_ts, group_id FROM exceptions ORDER BY id`;
  const groups = await sql<ClusterState['groups']>`SELECT id, slack_ts FROM exception_groups ORDER BY id`;
  const outbox = await sql<ClusterState['outbox']>`
    SELECT id, exception_id, group_id, kind, state, channel, last_error FROM outbox ORDER BY id`;
  const digestRuns = await sql<ClusterState['digestRuns']>`SELECT team, local_date FROM digest_runs`;
  const [suppressed] = await sql<{ n: number | null }[]>`SELECT sum(n)::int AS n FROM suppressed_counts`;
  const trails = await sql<ClusterState['trails']>`
    SELECT exception_id, count(*) FILTER (WHERE action = 'opened')::int AS opened,
      count(*) FILTER (WHERE action = 'acknowledged')::int AS acknowledged,
      count(*) FILTER (WHERE action = 'auto_resolved')::int AS auto_resolved
    FROM exception_audit GROUP BY exception_id`;
  return {
    trails: [...trails],
    storedOfAcked: new Set(stored.map((row) => row.id)),
    doubledEvents: doubled.map((row) => row.id),
    exceptions: [...exceptions],
    groups: [...groups],
    outbox: [...outbox],
    digestRuns: [...digestRuns],
    suppressed: suppressed?.n ?? 0,
  };
}

/** Settled: every implied exception in its final state, each team's digest run, nothing left to send. */
export async function settleProgress(
  sql: Sql,
  expected: ReadonlyMap<string, ExpectedException>,
  teams: number,
): Promise<{ done: boolean; said: string }> {
  const carts = [...expected.keys()];
  const rows = await sql<{ cart_id: string; state: string }[]>`
    SELECT cart_id, state FROM exceptions WHERE cart_id = ANY(${carts}::text[])`;
  const reached = rows.filter((row) => expected.get(row.cart_id)?.state === row.state).length;
  const behind = [...expected.values()]
    .filter((want) => !rows.some((row) => row.cart_id === want.cartId && row.state === want.state))
    .map((want) => {
      const found = rows.filter((row) => row.cart_id === want.cartId).map((row) => row.state);
      return `${want.cartId} ${found.join('+') || 'missing'}, not ${want.state}`;
    });
  const [outbox] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE state = 'pending'`;
  const [digests] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM digest_runs`;
  const pending = outbox?.n ?? 0;
  const ran = digests?.n ?? 0;
  return {
    done: reached >= expected.size && pending === 0 && ran === teams,
    said:
      `${reached} of ${expected.size} exceptions in their final state` +
      (behind.length > 0 ? ` (${behind.slice(0, 5).join('; ')})` : '') +
      `, ${pending} outbox rows pending, ${ran} of ${teams} digests run`,
  };
}

/** The outbox row a post was made for (every post carries it as metadata). */
export function outboxIdOf(call: SlackCall): number | undefined {
  const metadata =
    typeof call.args.metadata === 'string' ? safeParse(call.args.metadata) : call.args.metadata;
  const id = metadata?.event_payload?.outbox_id;
  return typeof id === 'number' ? id : undefined;
}

function safeParse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Posts per outbox row, over every chat.postMessage any instance made. */
function postsByOutboxId(posts: readonly SlackCall[]): Map<number, SlackCall[]> {
  const byId = new Map<number, SlackCall[]>();
  for (const call of posts) {
    const id = outboxIdOf(call);
    if (id === undefined) continue;
    byId.set(id, [...(byId.get(id) ?? []), call]);
  }
  return byId;
}

/** Each problem in words; none when the cluster kept every promise. */
export function findProblems(input: {
  state: ClusterState;
  acked: ReadonlySet<string>;
  expected: ReadonlyMap<string, ExpectedException>;
  suppressed: number;
  teams: number;
  posts: readonly SlackCall[];
  paceMs: number;
}): string[] {
  return [
    ...eventProblems(input.state, input.acked),
    ...exceptionProblems(input.state, input.expected, input.suppressed),
    ...messageProblems(input.state, input.expected, input.posts),
    ...digestProblems(input.state, input.teams, input.posts),
    ...outboxProblems(input.state),
    ...paceProblems(input.posts, input.paceMs),
  ];
}

function eventProblems(state: ClusterState, acked: ReadonlySet<string>): string[] {
  const missing = [...acked].filter((id) => !state.storedOfAcked.has(id));
  return [
    ...(missing.length > 0
      ? [`${missing.length} event(s) answered 202 but not stored: ${missing.slice(0, 5)}`]
      : []),
    ...(state.doubledEvents.length > 0 ? [`events stored twice: ${state.doubledEvents.slice(0, 5)}`] : []),
  ];
}

const NO_TRAIL = { opened: 0, acknowledged: 0, auto_resolved: 0 };

function exceptionProblems(
  state: ClusterState,
  expected: ReadonlyMap<string, ExpectedException>,
  suppressed: number,
): string[] {
  const problems: string[] = [];
  for (const [cart, want] of expected) {
    const rows = state.exceptions.filter((e) => e.cart_id === cart);
    const shown = rows.map((e) => `${e.kind}/${e.state}×${e.count}`).join(', ') || 'none';
    const wanted = `${want.kind}/${want.state}×${want.count}`;
    if (rows.length !== 1 || shown !== wanted)
      problems.push(`${cart}: expected one exception ${wanted} in ${want.channel}, found ${shown}`);
    else if (rows[0]?.channel !== want.channel)
      problems.push(`${cart}: expected in ${want.channel}, found in ${rows[0]?.channel}`);
  }
  for (const row of state.exceptions) {
    if (row.cart_id === null || !expected.has(row.cart_id))
      problems.push(`an exception the stream does not imply: ${row.kind}/${row.state} of ${row.cart_id}`);
    // Its trail tells each step once: opened, acknowledged by the person who clicked (however often),
    // resolved when a success settled it.
    const trail = state.trails.find((t) => t.exception_id === row.id) ?? NO_TRAIL;
    const acks = row.state === 'acknowledged' ? 1 : 0;
    const resolves = row.state === 'resolved' ? 1 : 0;
    if (trail.opened !== 1 || trail.acknowledged !== acks || trail.auto_resolved !== resolves)
      problems.push(
        `${row.cart_id}: its trail says opened ${trail.opened}, acknowledged ${trail.acknowledged}, ` +
          `resolved ${trail.auto_resolved} time(s)`,
      );
  }
  if (state.suppressed !== suppressed)
    problems.push(`suppressed failures counted ${state.suppressed} times, sent ${suppressed}`);
  return problems;
}

/** Root messages: each exception's once (none for one resolved before it went out), each storm's once. */
function messageProblems(
  state: ClusterState,
  expected: ReadonlyMap<string, ExpectedException>,
  posts: readonly SlackCall[],
): string[] {
  const problems: string[] = [];
  const byId = postsByOutboxId(posts.filter((call) => call.args.thread_ts === undefined));
  const rootsOf = (rows: ClusterState['outbox']) => rows.flatMap((row) => byId.get(row.id) ?? []);
  for (const exception of state.exceptions) {
    const want = exception.cart_id === null ? undefined : expected.get(exception.cart_id);
    if (want === undefined) continue;
    const roots = rootsOf(
      state.outbox.filter((row) => row.exception_id === exception.id && row.kind === 'post'),
    );
    const mustShow = want.state !== 'resolved' && want.storm === undefined;
    if (roots.length > 1 || (mustShow && roots.length !== 1))
      problems.push(`${exception.cart_id}: its root message was posted ${roots.length} times`);
    const ts = roots[0]?.reply?.ts as string | undefined;
    if (roots.length === 1 && exception.slack_ts !== ts)
      problems.push(`${exception.cart_id}: slack_ts ${exception.slack_ts}, but its post is ${ts}`);
  }
  const stormIds = new Set(
    state.exceptions
      .filter((e) => e.cart_id !== null && expected.get(e.cart_id)?.storm !== undefined)
      .map((e) => e.group_id),
  );
  const stormExpected = [...expected.values()].some((want) => want.storm !== undefined);
  if (stormExpected && (stormIds.size !== 1 || stormIds.has(null)))
    problems.push(`the storm's members are in groups ${[...stormIds].join(', ')}, not one`);
  for (const groupId of stormIds) {
    if (groupId === null) continue;
    const roots = rootsOf(
      state.outbox.filter((row) => row.group_id === groupId && row.kind === 'group_post'),
    );
    if (roots.length !== 1) problems.push(`storm ${groupId}: its message was posted ${roots.length} times`);
    const group = state.groups.find((g) => g.id === groupId);
    if (group?.slack_ts == null || group.slack_ts !== roots[0]?.reply?.ts)
      problems.push(`storm ${groupId}: slack_ts ${group?.slack_ts}, but its post is ${roots[0]?.reply?.ts}`);
  }
  const twice = [...postsByOutboxId(posts)].filter(([, calls]) => calls.length > 1).map(([id]) => id);
  if (twice.length > 0) problems.push(`outbox rows posted more than once: ${twice.join(', ')}`);
  return problems;
}

function digestProblems(state: ClusterState, teams: number, posts: readonly SlackCall[]): string[] {
  const problems: string[] = [];
  const days = new Set(state.digestRuns.map((run) => `${run.team} ${run.local_date}`));
  if (state.digestRuns.length !== teams || days.size !== teams)
    problems.push(`digest runs: ${[...days].join('; ') || 'none'} (expected one per team, ${teams})`);
  const byId = postsByOutboxId(posts);
  const rows = state.outbox.filter((row) => row.kind === 'digest');
  if (rows.length !== teams) problems.push(`${rows.length} digest rows queued, expected ${teams}`);
  for (const row of rows) {
    const n = byId.get(row.id)?.length ?? 0;
    if (n !== 1) problems.push(`digest ${row.id} to ${row.channel} posted ${n} times`);
  }
  return problems;
}

/** Nothing left waiting or given up: every message the exceptions need reached Slack. */
function outboxProblems(state: ClusterState): string[] {
  return state.outbox
    .filter((row) => row.state === 'pending' || row.state === 'failed')
    .map(
      (row) =>
        `outbox ${row.id} (${row.kind} to ${row.channel}, exception ${row.exception_id}) left ${row.state}` +
        (row.last_error ? `: ${row.last_error}` : ''),
    );
}
