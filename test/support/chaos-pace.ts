import type { SlackCall } from './fake-slack.js';

/** Per channel, the gaps between consecutive posts as the fake Slack received them, cluster-wide. */
export function postGaps(posts: readonly SlackCall[]): Map<string, number[]> {
  const byChannel = new Map<string, number[]>();
  for (const call of posts) {
    const channel = String(call.args.channel);
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), call.at]);
  }
  return new Map(
    [...byChannel].map(([channel, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return [channel, sorted.slice(1).map((t, i) => t - (sorted[i] as number))];
    }),
  );
}

/** Posts sooner than Slack's pace after the channel's previous one, whichever instance sent them. */
export function paceProblems(posts: readonly SlackCall[], paceMs: number): string[] {
  return [...postGaps(posts)].flatMap(([channel, gaps]) => {
    const tooSoon = gaps.filter((gap) => gap < paceMs);
    if (tooSoon.length === 0) return [];
    return [
      `${channel}: ${tooSoon.length} post(s) sooner than ${paceMs} ms after the last: ${tooSoon.join(', ')} ms`,
    ];
  });
}

/** "C0PAY 1003 ms" per channel: how close the closest two posts came, for the run's summary. */
export function closestPosts(posts: readonly SlackCall[]): string {
  return [...postGaps(posts)]
    .filter(([, gaps]) => gaps.length > 0)
    .map(([channel, gaps]) => `${channel} ${Math.min(...gaps)} ms`)
    .join(', ');
}
