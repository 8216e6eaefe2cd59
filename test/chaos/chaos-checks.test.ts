import { describe, expect, it } from 'vitest';
import { type ClusterState, findProblems } from '../support/chaos-checks.js';
import type { ExpectedException } from '../support/chaos-stream.js';
import type { SlackCall } from '../support/fake-slack.js';

// The chaos suite's verdict is only as good as its checks: each kind of breakage must be named.

const T0 = 1_800_000_000_000;

const expected = new Map<string, ExpectedException>([
  ['open_1', { cartId: 'open_1', kind: 'failed', state: 'open', channel: 'C0PAY', count: 2 }],
  ['fixed_1', { cartId: 'fixed_1', kind: 'failed', state: 'resolved', channel: 'C0PAY', count: 1 }],
  ['storm_1', { cartId: 'storm_1', kind: 'failed', state: 'open', channel: 'C0SHIP', count: 1, storm: 'x' }],
  ['storm_2', { cartId: 'storm_2', kind: 'failed', state: 'open', channel: 'C0SHIP', count: 1, storm: 'x' }],
]);

function post(outboxId: number, channel: string, at: number, ts: string): SlackCall {
  const metadata = JSON.stringify({ event_type: 'cartwatch_outbox', event_payload: { outbox_id: outboxId } });
  return { method: 'chat.postMessage', args: { channel, metadata }, at, reply: { ok: true, ts } };
}

function outboxRow(id: number, kind: string, channel: string, link: { exception?: number; group?: number }) {
  return {
    id,
    kind,
    channel,
    state: 'sent',
    exception_id: link.exception ?? null,
    group_id: link.group ?? null,
    last_error: null,
  };
}

/** A cluster that kept every promise: the baseline each test breaks one way. */
function healthy(): { state: ClusterState; posts: SlackCall[] } {
  const exception = (
    id: number,
    cart: string,
    channel: string,
    more: Partial<ClusterState['exceptions'][0]>,
  ) => ({
    id,
    cart_id: cart,
    kind: 'failed',
    state: 'open',
    channel,
    count: 1,
    slack_ts: null,
    group_id: null,
    ...more,
  });
  return {
    state: {
      storedOfAcked: new Set(['e1', 'e2']),
      doubledEvents: [],
      exceptions: [
        exception(1, 'open_1', 'C0PAY', { count: 2, slack_ts: '1.1' }),
        exception(2, 'fixed_1', 'C0PAY', { state: 'resolved' }),
        exception(3, 'storm_1', 'C0SHIP', { group_id: 7 }),
        exception(4, 'storm_2', 'C0SHIP', { group_id: 7 }),
      ],
      groups: [{ id: 7, slack_ts: '2.1' }],
      outbox: [
        outboxRow(10, 'post', 'C0PAY', { exception: 1 }),
        { ...outboxRow(11, 'post', 'C0PAY', { exception: 2 }), state: 'superseded' },
        outboxRow(12, 'group_post', 'C0SHIP', { group: 7 }),
        outboxRow(13, 'digest', 'C0PAY', {}),
      ],
      digestRuns: [{ team: 'payments', local_date: '2027-01-15' }],
      suppressed: 3,
      trails: [1, 2, 3, 4].map((id) => ({
        exception_id: id,
        opened: 1,
        acknowledged: 0,
        auto_resolved: id === 2 ? 1 : 0,
      })),
    },
    posts: [post(13, 'C0PAY', T0, '0.1'), post(10, 'C0PAY', T0 + 1000, '1.1'), post(12, 'C0SHIP', T0, '2.1')],
  };
}

function problemsOf(broken: { state: ClusterState; posts: SlackCall[] }, acked = ['e1', 'e2']): string[] {
  return findProblems({
    ...broken,
    acked: new Set(acked),
    expected,
    suppressed: 3,
    teams: 1,
    paceMs: 850,
  });
}

describe('chaos checks', () => {
  it('find nothing wrong with a cluster that kept every promise', () => {
    expect(problemsOf(healthy())).toEqual([]);
  });

  it('name an acknowledged event that is not stored', () => {
    expect(problemsOf(healthy(), ['e1', 'e2', 'e3'])).toEqual(['1 event(s) answered 202 but not stored: e3']);
  });

  it('name an exception in the wrong state, one missing, one doubled and one nobody implied', () => {
    const cluster = healthy();
    const [open, fixed, storm1, storm2] = cluster.state.exceptions;
    cluster.state.exceptions = [
      { ...(open as ClusterState['exceptions'][0]), count: 1 },
      { ...(fixed as ClusterState['exceptions'][0]), state: 'open' },
      storm1 as ClusterState['exceptions'][0],
      { ...(storm1 as ClusterState['exceptions'][0]), id: 5 },
      { ...(storm2 as ClusterState['exceptions'][0]), cart_id: 'flow_1' },
    ];
    const problems = problemsOf(cluster);
    expect(problems).toContain('open_1: expected one exception failed/open×2 in C0PAY, found failed/open×1');
    expect(problems).toContain(
      'fixed_1: expected one exception failed/resolved×1 in C0PAY, found failed/open×1',
    );
    expect(problems).toContain(
      'storm_1: expected one exception failed/open×1 in C0SHIP, found failed/open×1, failed/open×1',
    );
    expect(problems).toContain('storm_2: expected one exception failed/open×1 in C0SHIP, found none');
    expect(problems).toContain('an exception the stream does not imply: failed/open of flow_1');
  });

  it('name a trail that tells an opening, an acknowledgement or a resolution it should not', () => {
    const cluster = healthy();
    cluster.state.trails = [
      { exception_id: 1, opened: 2, acknowledged: 0, auto_resolved: 0 },
      { exception_id: 2, opened: 1, acknowledged: 0, auto_resolved: 2 },
      { exception_id: 3, opened: 1, acknowledged: 1, auto_resolved: 0 },
    ];
    expect(problemsOf(cluster)).toEqual([
      'open_1: its trail says opened 2, acknowledged 0, resolved 0 time(s)',
      'fixed_1: its trail says opened 1, acknowledged 0, resolved 2 time(s)',
      'storm_1: its trail says opened 1, acknowledged 1, resolved 0 time(s)',
      'storm_2: its trail says opened 0, acknowledged 0, resolved 0 time(s)',
    ]);
  });

  it('name a root message posted twice, and an open exception never posted', () => {
    const twice = healthy();
    twice.posts.push(post(10, 'C0PAY', T0 + 2000, '1.2'));
    expect(problemsOf(twice)).toEqual([
      'open_1: its root message was posted 2 times',
      'outbox rows posted more than once: 10',
    ]);
    const never = healthy();
    never.posts = never.posts.filter((call) => call.reply?.ts !== '1.1');
    expect(problemsOf(never)).toContain('open_1: its root message was posted 0 times');
  });

  it('name a storm posted twice and a digest never posted', () => {
    const cluster = healthy();
    cluster.posts = cluster.posts.filter((call) => call.reply?.ts !== '0.1');
    cluster.posts.push(post(12, 'C0SHIP', T0 + 5000, '2.2'));
    expect(problemsOf(cluster)).toEqual([
      'storm 7: its message was posted 2 times',
      'outbox rows posted more than once: 12',
      'digest 13 to C0PAY posted 0 times',
    ]);
  });

  it('name a post sooner than Slack allows in its channel, and rows left to send', () => {
    const cluster = healthy();
    (cluster.posts[1] as SlackCall).at = T0 + 300;
    cluster.state.outbox.push({ ...outboxRow(14, 'update', 'C0PAY', { exception: 1 }), state: 'pending' });
    expect(problemsOf(cluster)).toEqual([
      'outbox 14 (update to C0PAY, exception 1) left pending',
      'C0PAY: 1 post(s) sooner than 850 ms after the last: 300 ms',
    ]);
  });
});
