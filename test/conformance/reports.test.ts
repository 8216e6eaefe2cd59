import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { DigestFacts } from '../../src/domain/digest.js';
import { createLogger } from '../../src/logger.js';
import { Sweeper } from '../../src/services/sweeper.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { HOUR, iso, MINUTE, openReportWorld, type ReportWorld, T0 } from './report-world.js';

function digestFacts(team: string, localDate: string, stillOpen: number): DigestFacts {
  const none = { now: 0, before: 0 };
  return {
    team,
    localDate,
    from: T0 - 24 * HOUR,
    to: T0,
    opened: { now: 2, before: 1 },
    acknowledged: none,
    resolved: none,
    autoResolved: none,
    carriedOver: 1,
    stillOpen,
    topSteps: [{ what: 'payment.authorize', count: 2 }],
    topErrors: [{ code: 'card_declined', count: 2 }],
    valueAtRisk: [{ value: 1250, currency: 'USD' }],
  };
}

async function digestJobs(store: Store): Promise<{ kind: string; channel: string }[]> {
  const jobs = await store.claimOutbox({ now: T0 + HOUR, limit: 20, leaseMs: MINUTE });
  return jobs
    .filter((j) => j.kind === 'digest' || j.kind === 'weekly_digest')
    .map(({ kind, channel }) => ({ kind, channel }));
}

describe.each(STORE_KINDS)('%s store: reports', (kind) => {
  let world: ReportWorld;
  afterEach(async () => {
    await world?.close();
  });

  /**
   * Carts f and c failed at checkout (ops), a and b at payment (payments); carts d and e wait in
   * fulfillment. Detection runs at T0; then U1 acknowledges b and U2 resolves c.
   */
  async function aBusyMorning(): Promise<void> {
    world = await openReportWorld(kind);
    const usd = (value: number) => ({ value, currency: 'USD' });
    const failed = (id: string, cart: string, stage: string, step: string, ago: number, extra = {}) => ({
      id,
      cart_id: cart,
      stage,
      step,
      status: 'failed',
      occurred_at: iso(T0 - ago * MINUTE),
      source: stage === 'payment' ? 'stripe' : 'web',
      ...extra,
    });
    await world.record(
      failed('f1', 'f', 'checkout', 'submit', 50, { amount: usd(300) }),
      failed('a1', 'a', 'payment', 'authorize', 45, {
        amount: usd(1000),
        error: { code: 'gateway_timeout' },
      }),
      failed('b1', 'b', 'payment', 'authorize', 40, { amount: usd(500) }),
      failed('c1', 'c', 'checkout', 'submit', 30, { amount: { value: 700, currency: 'EUR' } }),
      {
        id: 'd1',
        cart_id: 'd',
        stage: 'fulfillment',
        step: 'pick',
        status: 'started',
        occurred_at: iso(T0 - 20 * MINUTE),
        source: 'wms',
      },
      {
        id: 'e1',
        cart_id: 'e',
        stage: 'fulfillment',
        step: 'pick',
        status: 'started',
        occurred_at: iso(T0 - 10 * MINUTE),
        source: 'wms',
      },
    );
    await world.detect();
    world.now = T0 + MINUTE;
    await world.act('b', 'acknowledge', 'U1');
    world.now = T0 + 2 * MINUTE;
    await world.act('c', 'resolve', 'U2');
  }

  it("when a cart's events are recorded, then its state shows where it stands, its money, its stall time and armed expectations", async () => {
    world = await openReportWorld(kind);
    await world.record(
      {
        cart_id: 'c1',
        stage: 'checkout',
        step: 'submit',
        status: 'succeeded',
        occurred_at: iso(T0 - 20 * MINUTE),
        source: 'web',
      },
      {
        cart_id: 'c1',
        stage: 'payment',
        step: 'authorize',
        status: 'succeeded',
        occurred_at: iso(T0 - 5 * MINUTE),
        source: 'stripe',
        amount: { value: 1250, currency: 'USD' },
      },
    );
    expect(await world.store.cartState('c1')).toEqual({
      cartId: 'c1',
      stage: 'payment',
      step: 'authorize',
      status: 'succeeded',
      lastProgressAt: T0 - 5 * MINUTE,
      value: { value: 1250, currency: 'USD' },
      stallDueAt: T0 + 5 * MINUTE,
      expectations: [
        { rule: 'payment.authorize>payment.capture', afterAt: T0 - 5 * MINUTE, dueAt: T0 + 10 * MINUTE },
      ],
    });
    expect(await world.store.cartState('nobody')).toBeUndefined();
  });

  it('when a cart has no amount and no rule applies, then its state has no value, no stall time and no expectations', async () => {
    world = await openReportWorld(kind);
    await world.record({
      cart_id: 'c2',
      stage: 'checkout',
      step: 'submit',
      status: 'failed',
      occurred_at: iso(T0),
      source: 'web',
    });
    expect(await world.store.cartState('c2')).toEqual({
      cartId: 'c2',
      stage: 'checkout',
      step: 'submit',
      status: 'failed',
      lastProgressAt: T0,
      expectations: [],
    });
  });

  it("when exceptions are live, then the overview counts them per team and stage, each cart's money, the oldest unclaimed and carts waiting", async () => {
    await aBusyMorning();
    const overview = await world.store.exceptionOverview(T0 - HOUR);
    expect(overview.byTeamAndStage).toEqual([
      {
        team: 'ops',
        stage: 'checkout',
        open: 1,
        acknowledged: 0,
        valueAtRisk: [{ value: 300, currency: 'USD' }],
      },
      {
        team: 'payments',
        stage: 'payment',
        open: 1,
        acknowledged: 1,
        valueAtRisk: [{ value: 1500, currency: 'USD' }],
      },
    ]);
    expect(overview.valueAtRisk).toEqual([{ value: 1800, currency: 'USD' }]);
    expect(overview.oldestUnclaimed.map((e) => [e.cartId, e.stage, e.state])).toEqual([
      ['f', 'checkout', 'open'],
      ['a', 'payment', 'open'],
    ]);
    expect(overview.oldestUnclaimed).toEqual(
      await Promise.all(overview.oldestUnclaimed.map((e) => world.store.findException(e.id))),
    );
    expect(overview.resolvedSince).toBe(1);
    expect(overview.waiting).toEqual([{ stage: 'fulfillment', carts: 2, oldestAt: T0 - 20 * MINUTE }]);
    expect((await world.store.exceptionOverview(T0 + HOUR)).resolvedSince).toBe(0);
  });

  it("when one cart has two live exceptions in two teams, then each team counts its money and the overview's total counts it once", async () => {
    world = await openReportWorld(kind);
    const usd = { value: 1000, currency: 'USD' };
    await world.record(
      {
        cart_id: 'a',
        stage: 'checkout',
        step: 'submit',
        status: 'failed',
        occurred_at: iso(T0 - HOUR),
        source: 'web',
        amount: usd,
      },
      {
        cart_id: 'a',
        stage: 'payment',
        step: 'capture',
        status: 'started',
        occurred_at: iso(T0 - 30 * MINUTE),
        source: 'stripe',
        amount: usd,
      },
    );
    await world.detect();
    const sweeper = new Sweeper({
      store: world.store,
      clock: { now: () => world.now },
      config: DEFAULT_CONFIG,
      logger: createLogger('error'),
    });
    await sweeper.sweepNow();
    expect((await world.store.exceptionsOfCart('a')).map((e) => [e.kind, e.team, e.state])).toEqual([
      ['failed', 'ops', 'open'],
      ['stalled', 'payments', 'open'],
    ]);
    const overview = await world.store.exceptionOverview(T0 - HOUR);
    expect(overview.byTeamAndStage.map((row) => [row.team, row.stage, row.open, row.valueAtRisk])).toEqual([
      ['ops', 'checkout', 1, [usd]],
      ['payments', 'payment', 1, [usd]],
    ]);
    expect(overview.valueAtRisk).toEqual([usd]);
  });

  it('when nothing is live, then the overview is empty and counts nothing', async () => {
    world = await openReportWorld(kind);
    expect(await world.store.exceptionOverview(0)).toEqual({
      byTeamAndStage: [],
      valueAtRisk: [],
      oldestUnclaimed: [],
      resolvedSince: 0,
      waiting: [],
    });
  });

  it("when people take exceptions, then each one's assigned list and each team's live list are oldest first", async () => {
    await aBusyMorning();
    world.now = T0 + 3 * MINUTE;
    await world.act('a', 'acknowledge', 'U1', 'payment');
    const mine = await world.store.assignedTo('U1', 10);
    expect(mine.map((e) => [e.cartId, e.stage, e.state])).toEqual([
      ['a', 'payment', 'acknowledged'],
      ['b', 'payment', 'acknowledged'],
    ]);
    expect((await world.store.assignedTo('U1', 1)).map((e) => e.cartId)).toEqual(['a']);
    expect(await world.store.assignedTo('U9', 10)).toEqual([]);
    const payments = await world.store.liveOfTeam('payments');
    expect(payments.map((e) => e.cartId)).toEqual(['a', 'b']);
    expect(payments).toEqual(await Promise.all(payments.map((e) => world.store.findException(e.id))));
    expect((await world.store.liveOfTeam('ops')).map((e) => [e.cartId, e.stage])).toEqual([
      ['f', 'checkout'],
    ]);
    expect(await world.store.liveOfTeam('fulfillment')).toEqual([]);
  });

  it("when a team's exceptions changed in a window, then its changes list each audit entry in order with its exception's facts", async () => {
    await aBusyMorning();
    const [a, b] = await world.store.liveOfTeam('payments');
    const payment = { kind: 'failed', stage: 'payment', step: 'authorize' };
    expect(await world.store.changesOfTeam('payments', 0, T0 + MINUTE)).toEqual([
      {
        exceptionId: a?.id,
        action: 'opened',
        at: T0,
        firstSeenAt: T0 - 45 * MINUTE,
        ...payment,
        errorCode: 'gateway_timeout',
      },
      { exceptionId: b?.id, action: 'opened', at: T0, firstSeenAt: T0 - 40 * MINUTE, ...payment },
    ]);
    expect(await world.store.changesOfTeam('payments', T0 + MINUTE, T0 + HOUR)).toEqual([
      {
        exceptionId: b?.id,
        action: 'acknowledged',
        at: T0 + MINUTE,
        firstSeenAt: T0 - 40 * MINUTE,
        ...payment,
      },
    ]);
    expect((await world.store.changesOfTeam('ops', T0 + 1, T0 + HOUR)).map((c) => c.action)).toEqual([
      'resolved',
    ]);
    expect(await world.store.changesOfTeam('fulfillment', 0, T0 + HOUR)).toEqual([]);
  });

  it('when exceptions are open or acknowledged, then metrics count them by team and kind; resolved ones are not', async () => {
    await aBusyMorning();
    expect(await world.store.liveExceptionCounts()).toEqual([
      { team: 'ops', kind: 'failed', count: 1 },
      { team: 'payments', kind: 'failed', count: 2 },
    ]);
  });

  it("when a team's digest is recorded, then it runs once per local date, its post queued once, and the latest earlier one is found", async () => {
    world = await openReportWorld(kind);
    const { store } = world;
    expect(await store.digestRunOn('payments', '2027-01-13')).toBeUndefined();
    const first = { team: 'payments', channel: 'C0PAYMENTS', at: T0 - 24 * HOUR, post: true };
    expect(
      await store.recordDigest({
        ...first,
        localDate: '2027-01-13',
        facts: digestFacts('payments', '2027-01-13', 3),
      }),
    ).toBe(true);
    expect(
      await store.recordDigest({
        ...first,
        localDate: '2027-01-13',
        facts: digestFacts('payments', '2027-01-13', 9),
        at: T0,
      }),
    ).toBe(false);
    expect(await store.digestRunOn('payments', '2027-01-13')).toEqual({
      ranAt: T0 - 24 * HOUR,
      posted: true,
    });
    expect(
      await store.recordDigest({
        ...first,
        localDate: '2027-01-14',
        facts: digestFacts('payments', '2027-01-14', 4),
        at: T0,
        post: false,
      }),
    ).toBe(true);
    expect(await store.digestRunOn('payments', '2027-01-14')).toEqual({ ranAt: T0, posted: false });
    expect(await store.digestRunOn('ops', '2027-01-14')).toBeUndefined();
    expect((await store.previousDigest('payments', '2027-01-14'))?.stillOpen).toBe(3);
    expect(await store.previousDigest('payments', '2027-01-15')).toEqual(
      digestFacts('payments', '2027-01-14', 4),
    );
    expect(await store.previousDigest('payments', '2027-01-13')).toBeUndefined();
    expect(await store.previousDigest('ops', '2027-01-15')).toBeUndefined();
    expect(await digestJobs(store)).toEqual([{ kind: 'digest', channel: 'C0PAYMENTS' }]);
  });
});

describe('postgres store: reports across instances', () => {
  let test: TestStore;
  afterEach(async () => {
    await test?.close();
  });

  it("when two instances record the same team's digest at the same moment, then one records it and queues its post, the other gets false", async () => {
    test = await openTestStore('postgres', { now: T0 - 60 * 24 * HOUR });
    const instances = [test.store, await test.openAnother(), await test.openAnother()];
    for (let round = 0; round < 5; round++) {
      const localDate = `2027-01-1${round}`;
      const outcomes = await Promise.all(
        instances.map((store) =>
          store.recordDigest({
            team: 'payments',
            localDate,
            channel: 'C0PAYMENTS',
            facts: digestFacts('payments', localDate, round),
            at: T0,
            post: true,
          }),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    }
    expect(await digestJobs(test.store)).toHaveLength(5);
  });

  it("when two instances record the same team's weekly digest at once, then one records it and queues its post", async () => {
    test = await openTestStore('postgres', { now: T0 - 60 * 24 * HOUR });
    const instances = [test.store, await test.openAnother()];
    const facts = { team: 'payments', week: '2027-W02' } as never;
    const outcomes = await Promise.all(
      instances.map((store) =>
        store.recordWeeklyDigest({
          team: 'payments',
          isoWeek: '2027-W02',
          channel: 'C0PAYMENTS',
          facts,
          at: T0,
          post: true,
        }),
      ),
    );
    expect(outcomes.sort()).toEqual([false, true]);
    expect(await digestJobs(test.store)).toEqual([{ kind: 'weekly_digest', channel: 'C0PAYMENTS' }]);
    expect(await instances[1]?.weeklyDigestRunOn('payments', '2027-W02')).toEqual({
      ranAt: T0,
      posted: true,
    });
  });
});
