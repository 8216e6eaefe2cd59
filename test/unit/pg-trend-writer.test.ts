import { afterEach, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/domain/rollups.js';
import type { DetectionRollup } from '../../src/store/exception-types.js';
import { connect, migrate, type Sql, transaction } from '../../src/store/postgres/connection.js';
import { TrendWriter } from '../../src/store/postgres/trend-writer.js';
import { freshPostgresUrl } from '../support/postgres.js';

const HOUR = 500_000 * HOUR_MS;

function rollup(n: number): DetectionRollup {
  return {
    steps: [
      {
        hour: HOUR,
        team: 'payments',
        stage: 'payment',
        step: 'authorize',
        attempts: n,
        failures: 1,
        suppressed: 0,
        codes: { card_declined: 1 },
      },
    ],
    moved: [[`cart-${n}`, 'payment', HOUR + n]],
    times: [{ hour: HOUR, stage: 'checkout', buckets: { [String(n)]: 1, '2': 1 } }],
  };
}

describe('the Postgres trend writer', () => {
  const pools: Sql[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((sql) => sql.end()));
  });

  async function twoInstances(): Promise<[Sql, Sql]> {
    const url = await freshPostgresUrl();
    const a = connect(url);
    const b = connect(url);
    pools.push(a, b);
    await migrate(a, 1_000);
    return [a, b];
  }

  it('when two instances add to the same hours at once, both counts are kept', async () => {
    const [a, b] = await twoInstances();
    const writer = new TrendWriter();
    await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        transaction(n % 2 === 0 ? a : b, (tx) => writer.recordDetection(tx, rollup(n))),
      ),
    );
    const [steps] = await a<{ attempts: number; failures: number }[]>`
      SELECT attempts, failures FROM step_hours`;
    expect(steps).toEqual({ attempts: 21, failures: 6 });
    expect(await a`SELECT code, n FROM step_hour_codes`).toEqual([{ code: 'card_declined', n: 6 }]);
    const [times] = await a<{ buckets: string }[]>`SELECT buckets FROM stage_hours`;
    expect(JSON.parse(times?.buckets ?? '[]')).toEqual([0, 1, 6, 1, 1, 1, 1]);
    expect((await a`SELECT cart_id FROM cart_stages`).length).toBe(6);
  });

  it('counts stalls, forgets carts and prunes hours before a cutoff', async () => {
    const [a] = await twoInstances();
    const writer = new TrendWriter();
    await transaction(a, async (tx) => {
      await writer.recordDetection(tx, rollup(1));
      await writer.stall(tx, { team: 'payments', stage: 'payment', step: 'authorize', at: HOUR + 5 });
      await writer.stall(tx, { team: 'payments', stage: 'payment', step: 'authorize', at: HOUR + 6 });
    });
    expect(await a`SELECT attempts, stalls FROM step_hours`).toEqual([{ attempts: 1, stalls: 2 }]);
    await writer.forgetCart(a, ['cart-1']);
    expect(await a`SELECT * FROM cart_stages`).toEqual([]);
    expect(await writer.pruneBefore(a, HOUR)).toBe(0);
    expect(await writer.pruneBefore(a, HOUR + HOUR_MS)).toBe(3);
  });
});
