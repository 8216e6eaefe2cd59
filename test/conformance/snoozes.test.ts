import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { failure, HOUR, MINUTE, POLICY, raise, sweep, T0 } from '../support/silence-store.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

describe.each(STORE_KINDS)('%s store: snoozes', (kind) => {
  let t: TestStore;
  let store: Store;

  beforeEach(async () => {
    t = await openTestStore(kind, { policy: POLICY, now: T0 });
    store = t.store;
  });
  afterEach(async () => {
    await t.close();
  });

  const raiseOne = async () => {
    await raise(store, T0, failure('cart_s'));
    return (await store.exceptionsOfCart('cart_s'))[0] as NonNullable<
      Awaited<ReturnType<Store['findException']>>
    >;
  };

  it('when snoozed, then escalation stops, the audit says until when, and a stale click changes nothing', async () => {
    const before = await raiseOne();
    const until = T0 + 30 * MINUTE;
    const stale = await store.snoozeException({
      exceptionId: before.id,
      revision: before.revision + 1,
      actor: 'U0BOB',
      until,
      at: T0,
    });
    expect(stale).toMatchObject({ ok: false, reason: 'stale', exception: { id: before.id } });
    const outcome = await store.snoozeException({
      exceptionId: before.id,
      revision: before.revision,
      actor: 'U0BOB',
      until,
      at: T0 + MINUTE,
    });
    expect(outcome).toMatchObject({
      ok: true,
      exception: {
        snoozedUntil: until,
        snoozedBy: 'U0BOB',
        revision: before.revision + 1,
        escalationLevel: 0,
      },
    });
    if (outcome.ok) expect(outcome.exception.escalateAt).toBeUndefined();
    expect((await store.auditOf(before.id)).at(-1)).toMatchObject({
      actor: 'U0BOB',
      action: 'snoozed',
      note: `until ${new Date(until).toISOString()}`,
    });
    expect(
      await store.snoozeException({
        exceptionId: before.id + 1000,
        revision: 0,
        actor: 'U0BOB',
        until,
        at: T0,
      }),
    ).toEqual({ ok: false, reason: 'not_found' });
  });

  it('when a snooze runs out, then the sweep ends it once and escalation starts over from its end', async () => {
    const before = await raiseOne();
    const until = T0 + 30 * MINUTE;
    await store.snoozeException({
      exceptionId: before.id,
      revision: before.revision,
      actor: 'U0BOB',
      until,
      at: T0,
    });
    expect(await sweep(store, until - 1)).toMatchObject({ snoozesEnded: 0 });
    expect(await sweep(store, until + 5_000)).toMatchObject({ snoozesEnded: 1 });
    const woken = await store.findException(before.id);
    expect(woken).toMatchObject({ escalateAt: until + POLICY.escalateAfterMs, escalationLevel: 0 });
    expect(woken?.snoozedUntil).toBeUndefined();
    expect((await store.auditOf(before.id)).at(-1)).toMatchObject({
      actor: 'cartwatch',
      action: 'snooze_ended',
    });
    expect(await sweep(store, until + MINUTE)).toMatchObject({ snoozesEnded: 0 });
  });

  it("when an acknowledged one's snooze runs out, then its reminders start over from the snooze's end", async () => {
    const raised = await raiseOne();
    const acked = await store.applyAction({
      exceptionId: raised.id,
      revision: raised.revision,
      action: 'acknowledge',
      actor: 'U0BOB',
      at: T0,
    });
    if (!acked.ok) throw new Error('acknowledge refused');
    const until = T0 + HOUR;
    await store.snoozeException({
      exceptionId: raised.id,
      revision: acked.exception.revision,
      actor: 'U0BOB',
      until,
      at: T0,
    });
    await sweep(store, until);
    const woken = await store.findException(raised.id);
    expect(woken).toMatchObject({ state: 'acknowledged', remindAt: until + POLICY.remindAfterMs });
    expect(woken?.escalateAt).toBeUndefined();
  });
});

// SQLite has one writer per file: several instances on one database are what Postgres is for.
describe('postgres store: snoozes with two instances at once', () => {
  let t: TestStore;
  let store: Store;

  beforeEach(async () => {
    t = await openTestStore('postgres', { policy: POLICY, now: T0 });
    store = t.store;
  });
  afterEach(async () => {
    await t.close();
  });

  it('when two instances sweep as a snooze runs out, then it is ended once', async () => {
    const other = await t.openAnother();
    await raise(store, T0, failure('cart_s'));
    const [raised] = await store.exceptionsOfCart('cart_s');
    const until = T0 + 30 * MINUTE;
    await store.snoozeException({
      exceptionId: raised?.id as number,
      revision: raised?.revision as number,
      actor: 'U0BOB',
      until,
      at: T0,
    });
    const outcomes = await Promise.all([sweep(store, until), sweep(other, until), sweep(store, until)]);
    expect(outcomes.reduce((n, o) => n + o.snoozesEnded, 0)).toBe(1);
    expect(
      (await store.auditOf(raised?.id as number)).filter((a) => a.action === 'snooze_ended'),
    ).toHaveLength(1);
  });
});
