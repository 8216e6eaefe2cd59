/** A message as the sandbox keeps it: what Slack would show in a channel or a thread. */
export interface SandboxMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  edited?: boolean;
}

export interface SandboxEphemeral {
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
}

/** The sandbox keeps the latest of each, so a long-running demo cannot grow without bound. */
export const SANDBOX_KEEPS = { messages: 1000, ephemerals: 200, modals: 50 } as const;

/**
 * The local Slack stand-in's memory: channels, messages, threads, ephemerals, open modals and
 * Home tabs. Nothing is persisted: it is a window onto what Cartwatch sends, the latest of it.
 */
export class SandboxWorkspace {
  readonly channels: string[];
  readonly messages: SandboxMessage[] = [];
  readonly ephemerals: SandboxEphemeral[] = [];
  readonly modals: SandboxView[] = [];
  readonly homes = new Map<string, Record<string, unknown>>();
  private clock = 1_700_000_000_000_000;
  private version = 0;
  private readonly listeners = new Set<() => void>();

  constructor(channels: readonly string[]) {
    this.channels = [...new Set(channels)];
  }

  nextTs(): string {
    this.clock += 1;
    return `${Math.floor(this.clock / 1_000_000)}.${String(this.clock % 1_000_000).padStart(6, '0')}`;
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

function keepLatest(list: unknown[], most: number): void {
  if (list.length > most) list.splice(0, list.length - most);
}
