import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

/**
 * prom-client's default metrics: resident memory, heap, event loop lag, GC, handles, CPU. They
 * describe the process, so they are collected once per process, however many Cartwatch instances
 * it runs (the tests run many), and served beside each instance's own figures.
 */
export function processMetrics(): Registry {
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
