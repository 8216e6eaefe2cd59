import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll } from 'vitest';
import { CLI } from './child.js';
import { sharedClockEnv } from './clock-env.js';

/** One run of one instance: its process, address and what it printed. */
interface Incarnation {
  process: ChildProcess;
  url: string;
  output: string;
  exited: Promise<number | string | null>;
}

/** One place in the cluster: an instance name kept across restarts, as a StatefulSet would keep it. */
interface Slot {
  name: string;
  /** Set while it runs and answers; undefined while down or starting. */
  live?: Incarnation;
  history: Incarnation[];
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Several `cartwatch start` processes on one database and one fake Slack. Each instance gets its own
 * bot token (`xoxb-chaos-N`), so the fake Slack's record tells which instance made a call.
 */
export class ChaosCluster {
  private readonly slots: Slot[];

  constructor(
    size: number,
    private readonly env: Record<string, string>,
    private readonly cwd: string,
  ) {
    this.slots = Array.from({ length: size }, (_, i) => ({ name: `chaos-${i + 1}`, history: [] }));
  }

  get size(): number {
    return this.slots.length;
  }

  tokenOf(slot: number): string {
    return `xoxb-chaos-${slot + 1}`;
  }

  /** The slot whose instance called with this token. */
  slotOfToken(token: string | undefined): number | undefined {
    const slot = this.slots.findIndex((_, i) => this.tokenOf(i) === token);
    return slot < 0 ? undefined : slot;
  }

  /** Slots whose instance runs and answers now. */
  liveSlots(): number[] {
    return this.slots.flatMap((slot, i) => (slot.live ? [i] : []));
  }

  urlOf(slot: number): string | undefined {
    return this.slots[slot]?.live?.url;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.slots.map((_, i) => this.start(i)));
  }

  /** Starts the slot's instance and resolves once it listens. */
  async start(slot: number): Promise<void> {
    const place = this.slotAt(slot);
    if (place.live) throw new Error(`${place.name} is already running`);
    const incarnation = await launch(
      {
        ...this.env,
        CARTWATCH_INSTANCE: place.name,
        SLACK_BOT_TOKEN: this.tokenOf(slot),
      },
      this.cwd,
      place.history,
    );
    place.live = incarnation;
    void incarnation.exited.then(() => {
      if (place.live === incarnation) place.live = undefined;
    });
  }

  /** SIGKILL: no shutdown of any kind, as when a machine dies. */
  async kill(slot: number): Promise<void> {
    const live = this.slotAt(slot).live;
    if (!live) return;
    this.slotAt(slot).live = undefined;
    live.process.kill('SIGKILL');
    await live.exited;
  }

  /** SIGTERM to every live instance; resolves to each exit code (0 is a clean stop). */
  async stopAll(): Promise<(number | string | null)[]> {
    const live = this.slots.flatMap((slot) => (slot.live ? [slot.live] : []));
    for (const incarnation of live) incarnation.process.kill('SIGTERM');
    return Promise.all(live.map((incarnation) => incarnation.exited));
  }

  /** Store operations an instance found still missing on Postgres (while the store is being built). */
  missingOperations(): string[] {
    const found = new Set<string>();
    for (const slot of this.slots)
      for (const run of slot.history)
        for (const match of run.output.matchAll(/(\w+) is not available on the Postgres store yet/g))
          if (match[1]) found.add(match[1]);
    return [...found].sort();
  }

  /** The last lines each instance printed, every run of it, for a failure's message. */
  outputTail(lines = 15): string {
    return this.slots
      .flatMap((slot) =>
        slot.history.map((run, n) => {
          const tail = run.output.trimEnd().split('\n').slice(-lines).join('\n');
          return `--- ${slot.name} run ${n + 1}:\n${tail}`;
        }),
      )
      .join('\n');
  }

  private slotAt(slot: number): Slot {
    const place = this.slots[slot];
    if (!place) throw new Error(`no slot ${slot}`);
    return place;
  }
}

/** Runs the built CLI's `start` in `cwd` (a URL that is mistaken for a path must not land in the repo). */
async function launch(
  env: Record<string, string>,
  cwd: string,
  history: Incarnation[],
): Promise<Incarnation> {
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...sharedClockEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const incarnation: Incarnation = {
    process: child,
    url: '',
    output: '',
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        resolve(code ?? signal);
      }),
    ),
  };
  history.push(incarnation);
  const append = (chunk: Buffer) => {
    incarnation.output += chunk;
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  incarnation.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`cartwatch did not start:\n${incarnation.output}`)),
      30_000,
    );
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(incarnation.output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void incarnation.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`cartwatch exited early:\n${incarnation.output}`));
    });
  });
  return incarnation;
}

/** Runs a one-off CLI command (`cartwatch digest …`) beside the cluster; resolves to its code and output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...sharedClockEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve({ code, output });
    }),
  );
}
