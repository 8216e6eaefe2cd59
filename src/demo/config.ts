import type { CartwatchConfig } from '../config.js';

export const DEMO_SOURCE = 'catalog-sync';

/**
 * The demo watches one more source, on a short interval, so a silent source shows within a minute:
 * the stream sends one catalog run at the start and then goes quiet.
 */
export function withDemoSources(config: CartwatchConfig): CartwatchConfig {
  return { ...config, sources: { [DEMO_SOURCE]: { everyMs: 15_000 }, ...config.sources } };
}
