/** Time is passed in, so stalls, escalations and digests can be tested on a clock the test moves. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
