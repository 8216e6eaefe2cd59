import { measureTrends } from './trends.js';

/** `node dist/bench/trends-only.js`: the trends benchmark alone (BENCH_CARTS × 10 events over 28 days). */
const figures = await measureTrends(Number(process.env.BENCH_CARTS ?? 100_000) * 10);
for (const f of figures)
  process.stdout.write(`${f.name} ${Number.isInteger(f.value) ? f.value : f.value.toFixed(2)} ${f.unit}\n`);
