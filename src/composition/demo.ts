import type { CartwatchConfig } from '../config.js';
import { type DemoFeed, feedDemo } from '../demo/feeder.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { Store } from '../store/store.js';
import type { Services } from './services.js';

/** The demo's stream, fed through ingest as a producer would; in the sandbox, each team's digest follows. */
export function startDemo(parts: {
  services: Pick<Services, 'ingest' | 'detector' | 'sweeper' | 'digests'>;
  store: Store;
  clock: Clock;
  logger: Logger;
  config: CartwatchConfig;
  sendNow: () => void;
  inSandbox: boolean;
  tuning?: { lengthMs?: number; digestDelayMs?: number };
}): DemoFeed {
  const { services, tuning } = parts;
  return feedDemo({
    ingest: services.ingest,
    store: parts.store,
    logger: parts.logger,
    clock: parts.clock,
    onChanges: parts.sendNow,
    settle: async () => {
      await services.detector.catchUp();
      await services.sweeper.sweepNow();
    },
    ...(tuning?.lengthMs !== undefined && { lengthMs: tuning.lengthMs }),
    // In the sandbox, each team's digest follows the demo and tells of what it raised.
    ...(parts.inSandbox && {
      digests: {
        run: (team, runOptions) => services.digests.run(team, runOptions),
        teams: Object.keys(parts.config.teams),
        ...(tuning?.digestDelayMs !== undefined && { delayMs: tuning.digestDelayMs }),
      },
    }),
  });
}
