/** A message as the sandbox keeps it: what Slack would show in a channel or a thread. */
export interface SandboxMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  edited?: boolean;
}

/** A reply only one person sees; `id` is what its response_url names. */
export interface SandboxEphemeral {
  id: string;
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  at: number;
}

export interface SandboxView {
  id: string;
  user: string;
  view: Record<string, unknown>;
  /** Changes with every update, as Slack's view hash does, so an update based on an old view is refused. */
  hash: string;
}

/** What the page shows instead of ids, as a Slack client does. */
export interface SandboxNames {
  channels: Record<string, string>;
  groups: Record<string, string>;
  people: Record<string, string>;
  bot: string;
}

/** The sandbox keeps the latest of each, so a long-running demo cannot grow without bound. */
export const SANDBOX_KEEPS = { messages: 1000, ephemerals: 200, modals: 50 } as const;

/**
 * The local Slack stand-in's memory: channels, messages, threads, ephemerals, open modals and
 * Home tabs. Channel messages can be journalled (see journal.ts) so they outlive a restart, as
 * Slack's do; ephemerals and modals are gone on a reload in Slack too.
 */
export class SandboxWorkspace {
  readonly channels: string[];
  readonly names: SandboxNames;
  readonly messages: SandboxMessage[] = [];
  readonly ephemerals: SandboxEphemeral[] = [];
  readonly modals: SandboxView[] = [];
  readonly homes = new Map<string, Record<string, unknown>>();
  /** The last ts handed out, in microseconds: ts values are wall-clock times, as Slack's are, and never repeat. */
  private lastTs = 0;
  private version = 0;
  private readonly listeners = new Set<() => void>();

  constructor(channels: readonly string[], names: Partial<SandboxNames> = {}) {
    this.channels = [...new Set(channels)];
    this.names = { channels: {}, groups: {}, people: {}, bot: 'Cartwatch', ...names };
  }

  nextTs(): string {
    this.lastTs = Math.max(this.lastTs + 1, Date.now() * 1000);
    return `${Math.floor(this.lastTs / 1_000_000)}.${String(this.lastTs % 1_000_000).padStart(6, '0')}`;
  }

  /** Messages kept from an earlier run; later ts values follow theirs. */
  restore(messages: readonly SandboxMessage[]): void {
    this.messages.push(...messages.filter((m) => this.channels.includes(m.channel)));
    for (const m of this.messages) this.lastTs = Math.max(this.lastTs, microsOf(m.ts));
    this.changed();
  }

  /** Bumped on every change; the page polls it. */
  get revision(): number {
    return this.version;
  }

  changed(): void {
    keepLatest(this.messages, SANDBOX_KEEPS.messages);
    keepLatest(this.ephemerals, SANDBOX_KEEPS.ephemerals);
    keepLatest(this.modals, SANDBOX_KEEPS.modals);
    this.version += 1;
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  find(channel: string, ts: string): SandboxMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }
}

function microsOf(ts: string): number {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return Number(seconds) * 1_000_000 + Number(micros.padEnd(6, '0').slice(0, 6));
}

function keepLatest(list: unknown[], most: number): void {
  if (list.length > most) list.splice(0, list.length - most);
}
