import { afterEach, describe, expect, it } from 'vitest';
import { type CartwatchConfig, DEFAULT_CONFIG } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { Detector } from '../../src/services/detector.js';
import type { Store } from '../../src/store/store.js';
import { anEvent, at, newEvents } from '../support/events.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { waitFor } from '../support/wait-for.js';

const opened: TestStore[] = [];
afterEach(async () => {
  for (const test of opened.splice(0)) await test.close();
});

/** The store, with a count of the pages detection asked for. */
function countingPages(store: Store): { store: Store; pages: number[] } {
  const pages: number[] = [];
  const counted = new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'eventsAfter') {
        return async (...args: Parameters<Store['eventsAfter']>) => {
          const page = await target.eventsAfter(...args);
          pages.push(page.events.length);
          return page;
        };
      }
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, pages };
}

/** A detector over `store` at a fixed moment, logging only errors. */
function detectorOn(store: Store, config: CartwatchConfig = DEFAULT_CONFIG): Detector {
  return new Detector({
    store,
    clock: { now: () => Date.UTC(2026, 10, 27, 9, 1) },
    config,
    logger: createLogger('error'),
  });
}

describe.each(STORE_KINDS)('detection behind a burst, %s store', (kind) => {
  it('when 6,000 events wait, then one catch-up detects every failure once, in pages that grow', async () => {
    const test = await openTestStore(kind);
    opened.push(test);
    // Six batches of a thousand, one failure in a hundred, each failure on a cart of its own.
    for (let batch = 0; batch < 6; batch++) {
      const wire = Array.from({ length: 1000 }, (_, i) =>
        i % 100 === 99
          ? anEvent({
              cart_id: `cart_fail_${batch}_${i}`,
              step: 'capture',
              status: 'failed',
              error: { code: 'processing_error' },
              occurred_at: at(0),
            })
          : anEvent({ cart_id: `cart_${i}`, occurred_at: at(0) }),
      );
      await test.store.recordEvents(newEvents(...wire), { receivedAt: Date.UTC(2026, 10, 27, 9, 1) });
    }
    const { store, pages } = countingPages(test.store);
    const detector = detectorOn(store, { ...DEFAULT_CONFIG, noise: { suppress: [], rates: [] } });
    // On Postgres another test's open transaction can hold the feed back for a moment (its horizon
    // is server-wide): catch up until nothing is left, as the running detector's retries would.
    await waitFor(
      async () => {
        await detector.catchUp();
        return (await test.store.eventsAfter(await test.store.detectionCursor(), 1)).events.length === 0;
      },
      { what: 'detection to catch up' },
    );

    expect(pages.reduce((sum, n) => sum + n, 0)).toBe(6000);
    // 500, 1,000, 2,000, then the rest: a fixed page of 500 would have taken twelve rounds.
    expect(Math.max(...pages)).toBeGreaterThanOrEqual(2000);
    if (kind === 'sqlite') expect(pages).toEqual([500, 1000, 2000, 2500]);
    for (let batch = 0; batch < 6; batch++) {
      const exceptions = await test.store.exceptionsOfCart(`cart_fail_${batch}_99`);
      expect(exceptions.map((e) => e.kind)).toEqual(['failed']);
    }
  });
});

describe('a detector working through a backlog on SQLite', () => {
  it('when pages of events wait, then other work gets a turn between pages, not only after the last', async () => {
    const test = await openTestStore('sqlite');
    opened.push(test);
    for (let batch = 0; batch < 4; batch++) {
      const wire = Array.from({ length: 1000 }, (_, i) =>
        anEvent({ cart_id: `cart_${batch}_${i}`, occurred_at: at(0) }),
      );
      await test.store.recordEvents(newEvents(...wire), { receivedAt: Date.UTC(2026, 10, 27, 9, 1) });
    }
    const { store, pages } = countingPages(test.store);
    const detector = detectorOn(store);
    const done = detector.catchUp();
    // What a request arriving meanwhile would be: work queued for the next turn of the event loop.
    const pagesBeforeOtherWork = await new Promise<number>((resolve) =>
      setImmediate(() => resolve(pages.length)),
    );
    await done;
    expect(pages).toEqual([500, 1000, 2000, 500]);
    expect(pagesBeforeOtherWork).toBeLessThan(pages.length);
  });
});

describe('a detector that was stopped', () => {
  it('when requests still finishing wake it during shutdown, then it reads nothing more from the store', async () => {
    const test = await openTestStore('sqlite');
    opened.push(test);
    const { store, pages } = countingPages(test.store);
    const detector = detectorOn(store);
    await detector.stop();
    await test.store.recordEvents(newEvents(anEvent({ occurred_at: at(0) })), {
      receivedAt: Date.UTC(2026, 10, 27, 9, 1),
    });
    detector.wake();
    // Past the gathering delay: a run, had one been scheduled, would have read its page by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pages).toEqual([]);
    // The event waits for the next detector, which finds it.
    const next = countingPages(test.store);
    await detectorOn(next.store).catchUp();
    expect(next.pages).toEqual([1]);
  });
});
