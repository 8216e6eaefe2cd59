import { measureNoise } from './noise.js';

/** `node dist/bench/noise-only.js`: the noise benchmark alone (NOISE_HOURS, NOISE_CARTS_PER_MINUTE). */
const figures = await measureNoise({
  hours: Number(process.env.NOISE_HOURS ?? 24),
  cartsPerMinute: Number(process.env.NOISE_CARTS_PER_MINUTE ?? 24),
});
for (const f of figures)
  process.stdout.write(`${f.name} ${Number.isInteger(f.value) ? f.value : f.value.toFixed(2)} ${f.unit}\n`);
