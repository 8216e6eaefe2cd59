import type { Tx } from './connection.js';

/**
 * Postgres's own clock in epoch milliseconds. Slack's pace is wall-clock time, kept per channel
 * across senders, so it is measured on the one clock they all share rather than on theirs.
 */
const DB_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** A channel this instance may send to until its lease runs out. */
export interface HeldChannel {
  channel: string;
  /** Bumped on every takeover: writes under an older one are fenced out. */
  token: number;
  /** Another sender's last post there is within Slack's pace: posts wait (a sender paces its own). */
  paced: boolean;
}

/**
 * One sender per Slack channel across the cluster. A claim takes (or renews) the leases of the
 * channels it wants: free ones, ones it holds, and ones whose holder let them run out (the token is
 * bumped then). Channels are locked in sorted order so that two claimers never deadlock.
 */
export async function takeChannels(
  tx: Tx,
  input: { instance: string; channels: readonly string[]; now: number; leaseMs: number; paceMs: number },
): Promise<Map<string, HeldChannel>> {
  if (input.channels.length === 0) return new Map();
  const sorted = [...input.channels].sort();
  const held = await tx<HeldChannel[]>`
    INSERT INTO channel_leases AS l (channel, holder, token, until_at)
    SELECT c, ${input.instance}, 1, ${input.now + input.leaseMs} FROM unnest(${sorted}::text[]) AS c ORDER BY c
    ON CONFLICT (channel) DO UPDATE SET
      token = CASE WHEN l.holder = excluded.holder THEN l.token ELSE l.token + 1 END,
      holder = excluded.holder, until_at = excluded.until_at
    WHERE l.holder = excluded.holder OR l.until_at <= ${input.now}
    RETURNING channel, token,
      last_sent_by IS DISTINCT FROM holder AND last_sent_at > ${tx.unsafe(DB_NOW_MS)} - ${input.paceMs} AS paced`;
  return new Map(held.map((lease) => [lease.channel, lease]));
}

/** A post went out to the channel: its next sender, should it be another, keeps Slack's pace from now. */
export async function notePosted(tx: Tx, channel: string, instance: string): Promise<void> {
  await tx`UPDATE channel_leases SET last_sent_at = greatest(last_sent_at, ${tx.unsafe(DB_NOW_MS)}),
    last_sent_by = ${instance} WHERE channel = ${channel}`;
}

/**
 * After a restart under the same name: the leases it held are still its own, but whatever the dead
 * process still had in flight is fenced out by a new token, and its last posts count as another
 * sender's (the new process has no memory of their pace).
 */
export async function refenceOwnLeases(tx: Tx, instance: string): Promise<string[]> {
  const rows = await tx<{ channel: string }[]>`
    UPDATE channel_leases SET token = token + 1, last_sent_by = NULL WHERE holder = ${instance}
    RETURNING channel`;
  return rows.map((row) => row.channel);
}
