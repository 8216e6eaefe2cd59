import type { CartwatchConfig } from '../config.js';

export const DEMO_SOURCE = 'catalog-sync';
/** The demo source's expected interval: it counts as silent after twice this. */
export const DEMO_SOURCE_EVERY_MS = 15_000;

/**
 * The demo watches one more source, on a short interval, so a silent source shows within a minute:
 * the stream sends one catalog run at the start and then goes quiet.
 */
export function withDemoSources(config: CartwatchConfig): CartwatchConfig {
  return { ...config, sources: { [DEMO_SOURCE]: { everyMs: DEMO_SOURCE_EVERY_MS }, ...config.sources } };
}
