import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { trendPeriod } from '../../src/domain/trends.js';
import { validateEvents } from '../../src/ingest/event-schema.js';
import { createLogger } from '../../src/logger.js';
import { Detector } from '../../src/services/detector.js';
import { TrendService } from '../../src/services/trends.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { anEvent } from '../support/events.js';
import { tempDir } from '../support/temp.js';

// Times through stages through the store and the detector alone, where detection runs can be interleaved.
const MINUTE = 60_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const clock = { now: () => NOW };
let temp: ReturnType<typeof tempDir>;
let store: SqliteStore;

beforeEach(() => {
  temp = tempDir();
  store = SqliteStore.open(path.join(temp.dir, 'db.sqlite'), undefined, { now: NOW - 30 * 86_400_000 });
});
afterEach(async () => {
  await store.close();
  temp.cleanup();
});

const detector = () => new Detector({ store, clock, config: DEFAULT_CONFIG, logger: createLogger('error') });

async function record(...wire: Record<string, unknown>[]): Promise<void> {
  const result = validateEvents(wire);
  if (!result.ok) throw new Error('invalid test events');
  await store.recordEvents(result.events, { receivedAt: NOW });
}

const at = (minutes: number) => new Date(NOW - 60 * MINUTE + minutes * MINUTE).toISOString();

async function stageTimes(): Promise<Record<string, { carts: number; medianMs: number | null }>> {
  const trends = new TrendService({ store, clock, config: DEFAULT_CONFIG });
  const period = trendPeriod({ lastDate: '2026-12-01', count: 1, zone: 'UTC', end: NOW + 1 });
  const facts = await trends.over(period, {}, { endIsNow: true });
  return Object.fromEntries(
    facts.stages.map((s) => [s.stage, { carts: s.carts.now, medianMs: s.medianMs.now }]),
  );
}

describe('times through stages', () => {
  it("when a cart's events arrive over several detection runs, then each hand-off is timed once, from the stage's first event", async () => {
    const first = detector();
    await record(anEvent({ cart_id: 'c', stage: 'checkout', step: 'submit', occurred_at: at(0) }));
    await first.catchUp();
    await record(anEvent({ cart_id: 'c', stage: 'checkout', step: 'review', occurred_at: at(1) }));
    await first.catchUp();
    await record(anEvent({ cart_id: 'c', step: 'authorize', occurred_at: at(4) }));
    await first.catchUp();
    await record(
      anEvent({ cart_id: 'c', step: 'capture', occurred_at: at(5) }),
      anEvent({ cart_id: 'c', stage: 'order', step: 'create', occurred_at: at(14) }),
    );
    await first.catchUp();
    const times = await stageTimes();
    expect(times.checkout?.carts).toBe(1);
    expect(times.payment?.carts).toBe(1);
    // 4 and 10 minutes, read back from buckets about a fifth wide.
    expect(Math.abs((times.checkout?.medianMs ?? 0) - 4 * MINUTE)).toBeLessThan(0.1 * 4 * MINUTE);
    expect(Math.abs((times.payment?.medianMs ?? 0) - 10 * MINUTE)).toBeLessThan(0.1 * 10 * MINUTE);
  });

  it('when two detectors take turns on one database, then their memories of carts never count a hand-off twice or wrong', async () => {
    const [a, b] = [detector(), detector()];
    for (let i = 0; i < 6; i++) {
      // Each cart advances one stage per round; the detectors alternate rounds.
      const stage = (['checkout', 'payment', 'order'] as const)[i % 3];
      const round = Math.floor(i / 3);
      await record(
        ...['x', 'y'].map((cart) =>
          anEvent({
            cart_id: `${cart}${round}`,
            stage,
            step: 'step',
            occurred_at: at(i * 10 + (cart === 'y' ? 1 : 0)),
          }),
        ),
      );
      await (i % 2 === 0 ? a : b).catchUp();
    }
    const times = await stageTimes();
    expect(times.checkout?.carts).toBe(4);
    expect(times.payment?.carts).toBe(4);
    expect(Math.abs((times.checkout?.medianMs ?? 0) - 10 * MINUTE)).toBeLessThan(MINUTE);
  });
});
