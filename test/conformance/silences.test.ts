import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALL_TEAMS } from '../../src/domain/silence.js';
import { connect } from '../../src/store/postgres/connection.js';
import type { Store } from '../../src/store/store.js';
import {
  failure,
  HOUR,
  MINUTE,
  POLICY,
  raise,
  silence,
  silenceNotes,
  sweep,
  T0,
} from '../support/silence-store.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

describe.each(STORE_KINDS)('%s store: silences', (kind) => {
  let t: TestStore;
  let store: Store;

  beforeEach(async () => {
    t = await openTestStore(kind, { policy: POLICY, now: T0 });
    store = t.store;
  });
  afterEach(async () => {
    await t.close();
  });

  describe('asking for one', () => {
    it('when a silence is asked for, then it is stored, audited, active until it ends, and its channel is told', async () => {
      const outcome = await store.createSilence({ ...silence(), channel: 'C_PAY' });
      expect(outcome.action).toBe('created');
      expect(outcome.silence).toMatchObject({
        team: 'payments',
        startsAt: T0,
        endsAt: T0 + HOUR,
        createdBy: 'U0ALICE',
      });
      expect(await store.findSilence(outcome.silence.id)).toEqual(outcome.silence);
      expect(await store.silenceAudit(outcome.silence.id)).toEqual([
        {
          silenceId: outcome.silence.id,
          at: T0,
          actor: 'U0ALICE',
          action: 'created',
          note: 'PSP maintenance',
        },
      ]);
      expect(await store.activeSilences(T0 + MINUTE)).toEqual([{ ...outcome.silence, heldOpen: 0 }]);
      expect(await store.activeSilences(T0 + HOUR)).toEqual([]);
      expect(await silenceNotes(store, T0)).toEqual([
        { channel: 'C_PAY', note: { type: 'started', silence: outcome.silence, extended: false } },
      ]);
      expect(await store.findSilence(outcome.silence.id + 1000)).toBeNull();
    });

    it('when the same silence is asked for again, then a longer one extends it and a shorter one changes nothing', async () => {
      const first = await store.createSilence(silence());
      // The same match written in another order is the same silence.
      const reordered = { error_code: ['processing_error'], stage: ['payment' as const] };
      const longer = await store.createSilence(
        silence({ match: reordered, at: T0 + MINUTE, endsAt: T0 + 2 * HOUR, reason: 'longer' }),
      );
      expect(longer).toMatchObject({
        action: 'extended',
        silence: { id: first.silence.id, endsAt: T0 + 2 * HOUR },
      });
      const shorter = await store.createSilence(silence({ at: T0 + 2 * MINUTE, endsAt: T0 + HOUR }));
      expect(shorter).toMatchObject({
        action: 'unchanged',
        silence: { id: first.silence.id, endsAt: T0 + 2 * HOUR },
      });
      const other = await store.createSilence(silence({ match: { stage: ['payment'] } }));
      expect(other.action).toBe('created');
      expect((await store.silenceAudit(first.silence.id)).map((a) => [a.action, a.note])).toEqual([
        ['created', 'PSP maintenance'],
        ['extended', `until ${new Date(T0 + 2 * HOUR).toISOString()}: longer`],
      ]);
      expect((await store.activeSilences(T0 + 3 * MINUTE)).map((s) => s.id)).toEqual([
        other.silence.id,
        first.silence.id,
      ]);
    });

    it('when one ended early is asked for again, then a new one is made', async () => {
      const first = await store.createSilence(silence());
      await store.endSilence({ id: first.silence.id, actor: 'U0BOB', at: T0 + MINUTE });
      const again = await store.createSilence(silence({ at: T0 + 2 * MINUTE }));
      expect(again.action).toBe('created');
      expect(again.silence.id).not.toBe(first.silence.id);
    });
  });

  describe('ending one', () => {
    it('when ended early, then it stops holding at once, is audited, and a second end is refused', async () => {
      const { silence: s } = await store.createSilence(silence());
      const ended = await store.endSilence({ id: s.id, actor: 'U0BOB', at: T0 + 10 * MINUTE });
      expect(ended).toEqual({
        ok: true,
        silence: { ...s, endedAt: T0 + 10 * MINUTE, endedBy: 'U0BOB', endsAt: T0 + 10 * MINUTE },
      });
      expect(await store.activeSilences(T0 + 10 * MINUTE)).toEqual([]);
      expect(await store.endSilence({ id: s.id, actor: 'U0BOB', at: T0 + 11 * MINUTE })).toMatchObject({
        ok: false,
        reason: 'already_ended',
      });
      expect(await store.endSilence({ id: s.id + 1000, actor: 'U0BOB', at: T0 })).toEqual({
        ok: false,
        reason: 'not_found',
      });
      expect((await store.silenceAudit(s.id)).at(-1)).toEqual({
        silenceId: s.id,
        at: T0 + 10 * MINUTE,
        actor: 'U0BOB',
        action: 'ended',
        note: 'ended early',
      });
    });

    it('when one has run out, then an end is refused', async () => {
      const { silence: s } = await store.createSilence(silence());
      expect(await store.endSilence({ id: s.id, actor: 'U0BOB', at: T0 + HOUR })).toMatchObject({
        ok: false,
        reason: 'already_ended',
        silence: { id: s.id },
      });
    });
  });

  describe('what it holds back', () => {
    it('when a matching failure is raised while it holds, then it is stored held back, counted, and previewed', async () => {
      const { silence: s } = await store.createSilence(silence());
      await raise(store, T0 + MINUTE, failure('cart_1'), failure('cart_2', { errorCode: 'timeout' }));
      const [held] = await store.exceptionsOfCart('cart_1');
      const [shown] = await store.exceptionsOfCart('cart_2');
      expect(held?.silenceId).toBe(s.id);
      expect(held?.escalateAt).toBeUndefined();
      expect(shown?.silenceId).toBeUndefined();
      expect(await store.activeSilences(T0 + 2 * MINUTE)).toEqual([{ ...s, heldOpen: 1 }]);
      expect(await store.silencePreview('payments', s.match, T0 + 2 * MINUTE)).toEqual({
        open: 1,
        lastDay: 1,
      });
      expect(await store.silencePreview('payments', { stage: ['payment'] }, T0 + 2 * MINUTE)).toEqual({
        open: 2,
        lastDay: 2,
      });
      expect(await store.silencePreview('payments', { stage: ['payment'] }, T0 + 2 * 86_400_000)).toEqual({
        open: 2,
        lastDay: 0,
      });
      expect(await store.silencedOfTeam('payments', T0, T0 + HOUR)).toEqual([{ silence: s, count: 1 }]);
      expect(await store.silencedOfTeam('payments', T0 + HOUR, T0 + 2 * HOUR)).toEqual([]);
      expect(await store.silencedOfTeam('fulfilment', T0, T0 + HOUR)).toEqual([]);
      expect(await store.silenceCounts(T0 + 2 * MINUTE)).toEqual({
        silenced: [{ team: 'payments', count: 1 }],
        active: [{ team: 'payments', count: 1 }],
      });
    });

    it('when it runs out, then the sweep tells its end once, with what happened meanwhile, and posts what it still holds', async () => {
      const { silence: s } = await store.createSilence(silence());
      await raise(store, T0 + MINUTE, failure('cart_1'), failure('cart_2'), failure('cart_3'));
      const [resolved] = await store.exceptionsOfCart('cart_3');
      await store.applyAction({
        exceptionId: resolved?.id as number,
        revision: resolved?.revision as number,
        action: 'resolve',
        actor: 'U0BOB',
        at: T0 + 2 * MINUTE,
      });
      await silenceNotes(store, T0 + 2 * MINUTE);
      expect(await sweep(store, T0 + HOUR - 1)).toEqual({ snoozesEnded: 0, silencesEnded: 0, released: 0 });

      const end = T0 + HOUR + 5_000;
      expect(await sweep(store, end)).toEqual({ snoozesEnded: 0, silencesEnded: 1, released: 2 });
      const told = { ...s, endedAt: T0 + HOUR, summarisedAt: end };
      expect(await store.findSilence(s.id)).toEqual(told);
      expect((await store.silenceAudit(s.id)).at(-1)).toMatchObject({
        actor: 'cartwatch',
        action: 'ended',
        note: 'ran out',
      });
      const released = await store.exceptionsOfCart('cart_1');
      expect(released[0]).toMatchObject({
        raisedAt: end,
        escalateAt: end + POLICY.escalateAfterMs,
        silenceId: s.id,
      });
      const jobs = await store.claimOutbox({ now: end + MINUTE, limit: 100, leaseMs: MINUTE });
      expect(
        jobs.filter((j) => j.kind === 'silence').map((j) => (j.kind === 'silence' ? j.note : undefined)),
      ).toEqual([
        {
          type: 'ended',
          silence: told,
          raised: 3,
          resolvedAutomatically: 0,
          resolvedByPeople: 1,
          stillOpen: 2,
          posted: 2,
        },
      ]);
      expect(jobs.filter((j) => j.kind === 'post').length).toBe(2);
      expect(await sweep(store, end + MINUTE)).toEqual({ snoozesEnded: 0, silencesEnded: 0, released: 0 });
    });
  });

  describe('maintenance windows', () => {
    const occurrence = {
      key: 'psp@2027-01-15T08:00:00.000Z',
      team: ALL_TEAMS,
      match: { source: ['stripe'], team: ['payments', 'fulfilment'] },
      reason: 'psp',
      startsAt: T0 + HOUR,
      endsAt: T0 + 2 * HOUR,
    };

    it('when the sweep sees an occurrence again and again, then it is recorded once, and its end is told to the teams it names', async () => {
      await sweep(store, T0, { maintenance: [occurrence] });
      await sweep(store, T0 + MINUTE, { maintenance: [occurrence] });
      expect(await store.activeSilences(T0 + MINUTE)).toEqual([]);
      const [active] = await store.activeSilences(T0 + HOUR);
      expect(active).toMatchObject({
        team: ALL_TEAMS,
        createdBy: 'maintenance',
        maintenance: occurrence.key,
        heldOpen: 0,
      });
      expect((await store.silenceCounts(T0 + HOUR)).active).toEqual([{ team: 'all', count: 1 }]);
      const id = active?.id as number;
      expect(await store.silenceAudit(id)).toEqual([
        { silenceId: id, at: T0, actor: 'maintenance', action: 'created', note: occurrence.key },
      ]);
      const channels = { payments: 'C_PAY', fulfilment: 'C_FUL' };
      expect(await sweep(store, T0 + 2 * HOUR, { channels })).toMatchObject({ silencesEnded: 1 });
      expect((await store.silenceAudit(id)).at(-1)).toMatchObject({ actor: 'maintenance', note: 'ran out' });
      const notes = await silenceNotes(store, T0 + 2 * HOUR);
      expect(notes.map((n) => n.channel).sort()).toEqual(['C_FUL', 'C_PAY']);
    });
  });
});

// SQLite has one writer per file: several instances on one database are what Postgres is for.
describe('postgres store: silences with two instances at once', () => {
  let t: TestStore;
  let store: Store;

  beforeEach(async () => {
    t = await openTestStore('postgres', { policy: POLICY, now: T0 });
    store = t.store;
  });
  afterEach(async () => {
    await t.close();
  });

  it('when two instances sweep as silences end, then each end is told once', async () => {
    const other = await t.openAnother();
    const ids: number[] = [];
    for (let i = 0; i < 6; i += 1)
      ids.push((await store.createSilence(silence({ match: { step: [`step_${i}`] } }))).silence.id);
    await silenceNotes(store, T0);
    const end = T0 + HOUR;
    const outcomes = await Promise.all([
      sweep(store, end),
      sweep(other, end),
      sweep(store, end),
      sweep(other, end),
    ]);
    expect(outcomes.reduce((n, o) => n + o.silencesEnded, 0)).toBe(6);
    for (const id of ids) {
      const audit = await store.silenceAudit(id);
      expect(audit.filter((a) => a.note === 'ran out')).toHaveLength(1);
    }
    expect(await silenceNotes(store, end)).toHaveLength(6);
  });

  it('when two instances ask for the same silence at once, then one silence holds', async () => {
    const other = await t.openAnother();
    const outcomes = await Promise.all([
      store.createSilence(silence()),
      other.createSilence(silence({ endsAt: T0 + 2 * HOUR })),
    ]);
    expect(new Set(outcomes.map((o) => o.silence.id)).size).toBe(1);
    expect(await store.activeSilences(T0 + MINUTE)).toHaveLength(1);
  });

  it("when a silence's end is being told as a matching failure is raised, then the failure waits and is not held back by it", async () => {
    const { silence: s } = await store.createSilence(silence());
    const raw = connect(t.target);
    try {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let claimed = () => {};
      const isClaimed = new Promise<void>((resolve) => {
        claimed = resolve;
      });
      // Another instance's sweep, caught between marking the end told and committing.
      const teller = raw.begin(async (tx) => {
        await tx`SELECT id FROM silences WHERE id = ${s.id} FOR UPDATE`;
        await tx`UPDATE silences SET summarised_at = ${T0 + HOUR}, ended_at = ends_at WHERE id = ${s.id}`;
        claimed();
        await released;
      });
      await isClaimed;
      const raising = raise(store, T0 + HOUR - 1, failure('cart_1'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      await teller;
      await raising;
      const [raised] = await store.exceptionsOfCart('cart_1');
      expect(raised?.silenceId).toBeUndefined();
      expect(raised?.escalateAt).toBe(T0 + HOUR - 1 + POLICY.escalateAfterMs);
    } finally {
      await raw.end();
    }
  });
});
