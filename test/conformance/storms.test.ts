import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { ExceptionFacts } from '../../src/domain/exception.js';
import type { OutboxJob } from '../../src/store/exception-types.js';
import { BOARD_REDRAW_EVERY_MS, REDRAW_EVERY_MS } from '../../src/store/shared/outbox-plans.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

// Storms through the store alone, where the moments between a post's claim and its answer can be held.
const MINUTE = 60_000;
const T0 = 1_800_000_000_000;

describe.each(STORE_KINDS)('%s store: storms', (kind) => {
  let opened: TestStore;
  let store: Store;

  beforeEach(async () => {
    opened = await openTestStore(kind, { now: T0 });
    store = opened.store;
  });
  afterEach(async () => {
    await opened.close();
  });

  const routing = { team: 'payments', channel: 'C0PAYMENTS', reason: 'stage is payment' };
  const facts = (cart: string): ExceptionFacts => ({
    kind: 'failed',
    dedupKey: `failed:${cart}:payment.authorize`,
    cartId: cart,
    stage: 'payment',
    step: 'authorize',
    errorCode: 'processing_error',
  });

  async function raise(cart: string, now: number) {
    // No events behind these raises: the cursor stays where it is, and the batch still applies.
    const cursor = await store.detectionCursor();
    await store.applyDetection({
      from: cursor,
      cursor,
      now,
      changes: [{ type: 'raise', facts: facts(cart), routing, at: now }],
    });
  }

  async function claim(now: number): Promise<OutboxJob[]> {
    return store.claimOutbox({ now, limit: 50, leaseMs: MINUTE });
  }

  /** Sends what is due, as the worker does, until nothing is: each post gets a ts of its own. */
  async function sendAll(now: number): Promise<OutboxJob[]> {
    const sent: OutboxJob[] = [];
    for (let jobs = await claim(now); jobs.length > 0; jobs = await claim(now)) {
      for (const job of jobs) await store.completeOutbox({ id: job.id, at: now, ts: `ts.${job.id}` });
      sent.push(...jobs);
    }
    return sent;
  }

  it('when a storm forms while members are being posted, then their posts are let finish and then pointed to the storm', async () => {
    // a goes out at once; b, c and d wait out a's window, and are being posted when e completes the storm.
    await raise('a', T0);
    await sendAll(T0 + 20_000);
    for (const [i, cart] of ['b', 'c', 'd'].entries()) await raise(cart, T0 + (i + 1) * MINUTE);
    expect(await claim(T0 + 4 * MINUTE)).toEqual([]);
    const inFlight = await claim(T0 + 5 * MINUTE);
    expect(inFlight.map((j) => (j.kind === 'post' ? j.exception.cartId : j.kind))).toEqual(['b', 'c', 'd']);

    await raise('e', T0 + 5 * MINUTE);
    const first = await sendAll(T0 + 5 * MINUTE);
    // The storm's post goes first; a's pointer follows it, and b, c and d's wait for their own posts.
    expect(first.map((j) => (j.kind === 'joined' ? j.exception.cartId : j.kind))).toEqual([
      'group_post',
      'a',
    ]);

    for (const job of inFlight)
      await store.completeOutbox({ id: job.id, at: T0 + 6 * MINUTE, ts: `ts.${job.id}` });
    const last = await sendAll(T0 + 6 * MINUTE);
    expect(last.map((j) => (j.kind === 'joined' ? j.exception.cartId : j.kind))).toEqual(['b', 'c', 'd']);
    expect(last[0]?.kind === 'joined' && last[0].group.slackTs).toBe(`ts.${first[0]?.id}`);
    expect(last[0]?.kind === 'joined' && last[0].group.total).toBe(5);
    expect(await claim(T0 + 10 * MINUTE)).toEqual([]);
  });

  it('when a member that pointed to its storm is handed to a person, then its own message is drawn again, not posted a second time', async () => {
    for (const [i, cart] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      await raise(cart, T0 + i * MINUTE);
      await sendAll(T0 + i * MINUTE + 20_000);
    }
    await sendAll(T0 + 5 * MINUTE);
    const a = await store.findException(1);
    expect(a).toMatchObject({ groupId: 1, slackTs: expect.stringMatching(/^ts\./) });

    const outcome = await store.applyReassign({
      exceptionId: 1,
      revision: a?.revision ?? 0,
      actor: 'U0ANNA',
      at: T0 + 6 * MINUTE,
      note: 'mine: the PSP answered for this one',
      assignee: 'U0BEN',
    });
    expect(outcome.ok).toBe(true);
    const jobs = await sendAll(T0 + 6 * MINUTE);
    const own = jobs.filter((j) => 'exception' in j && j.exception.id === 1);
    expect(own.map((j) => j.kind)).toEqual(['update', 'thread']);
    expect(own[0]).toMatchObject({ exception: { slackTs: a?.slackTs, assignee: 'U0BEN' } });
    expect(jobs.some((j) => j.kind === 'post')).toBe(false);
  });

  /** Five failures a minute apart: one storm (group 1) of exceptions 1 to 5, its message posted. */
  async function storm(): Promise<void> {
    for (const [i, cart] of ['a', 'b', 'c', 'd', 'e'].entries()) await raise(cart, T0 + i * 1_000);
    await sendAll(T0 + MINUTE);
  }

  it('when a storm forms, then its figures count its members, their value and a sample of carts', async () => {
    await storm();
    expect(await store.findGroup(1)).toMatchObject({
      id: 1,
      kind: 'failed',
      stage: 'payment',
      step: 'authorize',
      errorCode: 'processing_error',
      team: 'payments',
      channel: 'C0PAYMENTS',
      total: 5,
      open: 5,
      acknowledged: 0,
      resolved: 0,
      firstSeenAt: T0,
      lastSeenAt: T0 + 4_000,
      sampleCarts: ['e', 'd', 'c', 'b', 'a'],
      valueAtRisk: [],
      acknowledgedBy: [],
      resolvedBy: [],
      slackTs: expect.stringMatching(/^ts\./),
    });
    expect(await store.findGroup(2)).toBeNull();
  });

  it('when a storm keeps growing, then its message is redrawn at most every few seconds, and a click redraws it at once', async () => {
    await storm();
    const kinds = (jobs: OutboxJob[]) => jobs.map((job) => job.kind);
    // Drawn a minute ago: the next member's redraw goes at once.
    const t = T0 + 2 * MINUTE;
    await raise('f', t);
    expect(kinds(await sendAll(t))).toEqual(['group_update']);
    // Three more within a second share one redraw, REDRAW_EVERY_MS after the last one sent.
    for (const [i, cart] of ['g', 'h', 'i'].entries()) await raise(cart, t + 100 * (i + 1));
    expect(await sendAll(t + 300)).toEqual([]);
    expect(await sendAll(t + REDRAW_EVERY_MS - 1)).toEqual([]);
    const paced = await sendAll(t + REDRAW_EVERY_MS);
    expect(kinds(paced)).toEqual(['group_update']);
    expect(paced[0]?.kind === 'group_update' && paced[0].group.total).toBe(9);

    // Grown again, then acknowledged by someone: the click's drawing does not wait.
    const u = t + REDRAW_EVERY_MS + 500;
    await raise('j', u);
    expect(await sendAll(u)).toEqual([]);
    const revision = (await store.findGroup(1))?.revision ?? -1;
    await store.acknowledgeGroup({ groupId: 1, revision, actor: 'U0ANNA', at: u + 100 });
    const clicked = await sendAll(u + 100);
    expect(kinds(clicked)).toContain('group_update');
    expect(kinds(clicked).filter((kind) => kind === 'group_update')).toHaveLength(1);
  });

  it('when an exception posted alone repeats, then its count is redrawn at most every few seconds', async () => {
    const redraws = (jobs: OutboxJob[]) => jobs.filter((job) => job.kind === 'update');
    await raise('solo', T0);
    // Alone, its post waits a moment for a storm to form.
    expect((await sendAll(T0 + MINUTE)).map((job) => job.kind)).toEqual(['post']);
    const t = T0 + 2 * MINUTE;
    await raise('solo', t);
    expect(redraws(await sendAll(t))).toHaveLength(1);
    await raise('solo', t + 500);
    await raise('solo', t + 900);
    expect(redraws(await sendAll(t + 900))).toEqual([]);
    const redrawn = redraws(await sendAll(t + REDRAW_EVERY_MS));
    expect(redrawn).toHaveLength(1);
    expect(redrawn[0]?.kind === 'update' && redrawn[0].exception.count).toBe(4);
  });

  it('when a storm-wide click names the newest member its drawing showed, then members that joined since are left for the next drawing, and the click is not stale', async () => {
    await storm();
    const drawn = await store.findGroup(1);
    expect(drawn?.lastMemberId).toBe(5);
    await raise('f', T0 + 2 * MINUTE);
    expect(await store.findGroup(1)).toMatchObject({ total: 6, lastMemberId: 6, revision: drawn?.revision });

    const ack = await store.acknowledgeGroup({
      groupId: 1,
      revision: drawn?.revision ?? -1,
      upTo: drawn?.lastMemberId ?? 0,
      actor: 'U0ANNA',
      at: T0 + 2 * MINUTE + 1,
    });
    expect(ack).toMatchObject({ ok: true, acknowledged: 5 });
    expect((await store.findException(6))?.state).toBe('open');
    const resolved = await store.resolveGroup({
      groupId: 1,
      revision: (await store.findGroup(1))?.revision ?? -1,
      upTo: 5,
      actor: 'U0BEN',
      at: T0 + 3 * MINUTE,
    });
    expect(resolved).toMatchObject({ ok: true, resolved: 5 });
    expect(await store.findGroup(1)).toMatchObject({ open: 1, resolved: 5 });
  });

  it('when a member recovers by itself, then the storm is redrawn in its pace and a click on the drawing before is still good', async () => {
    await storm();
    const drawn = await store.findGroup(1);
    const cursor = await store.detectionCursor();
    const at = T0 + 2 * MINUTE;
    await store.applyDetection({
      from: cursor,
      cursor,
      now: at,
      changes: [{ type: 'resolve', cartId: 'b', stage: 'payment', at }],
    });
    expect(await store.findGroup(1)).toMatchObject({ resolved: 1, revision: drawn?.revision });
    const ack = await store.acknowledgeGroup({
      groupId: 1,
      revision: drawn?.revision ?? -1,
      upTo: drawn?.lastMemberId ?? 0,
      actor: 'U0ANNA',
      at: at + 1,
    });
    expect(ack).toMatchObject({ ok: true, acknowledged: 4 });
  });

  it('when "Acknowledge all" is clicked on an older drawing, then nothing changes', async () => {
    await storm();
    const group = await store.findGroup(1);
    const stale = await store.acknowledgeGroup({
      groupId: 1,
      revision: (group?.revision ?? 0) - 1,
      actor: 'U0ANNA',
      at: T0 + 2 * MINUTE,
    });
    expect(stale).toEqual({ ok: false, reason: 'stale' });
    expect(await store.acknowledgeGroup({ groupId: 9, revision: 0, actor: 'U0ANNA', at: T0 })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    expect((await store.findGroup(1))?.open).toBe(5);
  });

  it('when "Acknowledge all" then "Resolve all", then every member changes with its own audit entry and one thread reply each', async () => {
    await storm();
    await store.applyAction({
      exceptionId: 2,
      action: 'resolve',
      actor: 'U0BEN',
      revision: 0,
      at: T0 + MINUTE,
    });
    const revision = (await store.findGroup(1))?.revision ?? -1;
    const at = T0 + 2 * MINUTE;
    const ack = await store.acknowledgeGroup({ groupId: 1, revision, actor: 'U0ANNA', at });
    expect(ack).toEqual({
      ok: true,
      acknowledged: 4,
      acknowledgedAfterMs: [at - T0, at - T0 - 2_000, at - T0 - 3_000, at - T0 - 4_000],
    });
    expect(await store.findException(1)).toMatchObject({
      state: 'acknowledged',
      assignee: 'U0ANNA',
      remindAt: at + NO_DUE_POLICY.remindAfterMs,
    });
    expect((await store.auditOf(3)).at(-1)).toEqual({
      exceptionId: 3,
      at,
      actor: 'U0ANNA',
      action: 'acknowledged',
      note: 'with the rest of its group',
    });

    const next = (await store.findGroup(1))?.revision ?? -1;
    expect(next).toBeGreaterThan(revision);
    const resolved = await store.resolveGroup({
      groupId: 1,
      revision: next,
      actor: 'U0CARL',
      at: at + MINUTE,
      note: 'PSP fixed',
    });
    expect(resolved).toMatchObject({ ok: true, resolved: 4 });
    expect((await store.auditOf(5)).at(-1)).toMatchObject({
      action: 'resolved',
      note: 'with the rest of its group: PSP fixed',
    });
    expect(await store.findGroup(1)).toMatchObject({
      open: 0,
      acknowledged: 0,
      resolved: 5,
      acknowledgedBy: [{ user: 'U0ANNA', count: 4 }],
      resolvedBy: [
        { user: 'U0CARL', count: 4 },
        { user: 'U0BEN', count: 1 },
      ],
    });
    const notes = (await sendAll(at + MINUTE)).flatMap((job) =>
      job.kind === 'thread' && job.note.type === 'group_action' ? [job.note] : [],
    );
    expect(notes).toEqual([
      { type: 'group_action', action: 'acknowledged', actor: 'U0ANNA', count: 4 },
      { type: 'group_action', action: 'resolved', actor: 'U0CARL', count: 4, note: 'PSP fixed' },
    ]);
  });

  it("when a storm escalates past the limit, then its team's board lists it, and is drawn again when it is acknowledged", async () => {
    await storm();
    const escalate = (escalateAt: number) =>
      store.applySweep({
        now: escalateAt,
        raises: [],
        resolves: [],
        escalations: [{ id: 1, escalateAt }],
        reminders: [],
        drops: [],
        escalationChannel: 'C0ESCALATE',
      });
    const first = T0 + NO_DUE_POLICY.escalateAfterMs;
    await escalate(first);
    await escalate(first + NO_DUE_POLICY.escalateAfterMs);
    const boards = async (now: number) =>
      (await sendAll(now)).flatMap((job) =>
        job.kind === 'board_post' || job.kind === 'board_update' ? [job] : [],
      );
    const [post] = await boards(first + NO_DUE_POLICY.escalateAfterMs);
    expect(post).toMatchObject({
      kind: 'board_post',
      channel: 'C0ESCALATE',
      board: { team: 'payments', exceptions: 5 },
    });
    expect(post?.board.lines).toHaveLength(1);
    expect(post?.board.lines[0]).toMatchObject({ storm: true, carts: 5 });

    const revision = (await store.findGroup(1))?.revision ?? -1;
    const later = first + 2 * NO_DUE_POLICY.escalateAfterMs;
    await store.acknowledgeGroup({ groupId: 1, revision, actor: 'U0ANNA', at: later });
    const [update] = await boards(later);
    expect(update).toMatchObject({
      kind: 'board_update',
      board: { team: 'payments', exceptions: 0, lines: [] },
    });
  });

  it("when a storm on its team's board keeps growing, then the board is redrawn at most every few seconds, and a click redraws it at once", async () => {
    await storm();
    // Escalated twice (to the escalation channel, then onto the board), the second time at b.
    const b = T0 + 2 * NO_DUE_POLICY.escalateAfterMs;
    for (const at of [T0 + NO_DUE_POLICY.escalateAfterMs, b])
      await store.applySweep({
        now: at,
        raises: [],
        resolves: [],
        escalations: [{ id: 1, escalateAt: at }],
        reminders: [],
        drops: [],
        escalationChannel: 'C0ESCALATE',
      });
    const boards = async (now: number) =>
      (await sendAll(now)).flatMap((job) =>
        job.kind === 'board_post' || job.kind === 'board_update' ? [job] : [],
      );
    expect((await boards(b)).map((job) => job.kind)).toEqual(['board_post']);

    // Three members join within a second of the board's drawing: one redraw, after the pace.
    for (const [i, cart] of ['f', 'g', 'h'].entries()) await raise(cart, b + 100 * (i + 1));
    expect(await boards(b + 300)).toEqual([]);
    expect(await boards(b + BOARD_REDRAW_EVERY_MS - 1)).toEqual([]);
    const paced = await boards(b + BOARD_REDRAW_EVERY_MS);
    expect(paced).toHaveLength(1);
    expect(paced[0]).toMatchObject({ kind: 'board_update', board: { exceptions: 8 } });

    // Another joins (its redraw paced), then someone acknowledges the storm: the board shows it at once.
    const u = b + BOARD_REDRAW_EVERY_MS + 500;
    await raise('i', u);
    expect(await boards(u)).toEqual([]);
    const revision = (await store.findGroup(1))?.revision ?? -1;
    await store.acknowledgeGroup({ groupId: 1, revision, upTo: 9, actor: 'U0ANNA', at: u + 100 });
    const clicked = await boards(u + 100);
    expect(clicked).toHaveLength(1);
    expect(clicked[0]).toMatchObject({ kind: 'board_update', board: { exceptions: 0, lines: [] } });
  });
});
