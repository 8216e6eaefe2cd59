/**
 * What a child process needs to run on this suite's clock and zone. CI runs the whole suite a
 * second time under libfaketime (LD_PRELOAD and FAKETIME*, a year ahead) in a far time zone; a child
 * started with a fresh environment would otherwise run on the real clock, and everything it judges
 * by time (signatures' age, due times, today's digest) would disagree with the test.
 */
export function sharedClockEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        (entry[0] === 'LD_PRELOAD' || entry[0] === 'TZ' || entry[0].startsWith('FAKETIME')),
    ),
  );
}
