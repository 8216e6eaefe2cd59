import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Incarnation, launch } from './chaos-process.js';

/** One place in the cluster: an instance name kept across restarts, as a StatefulSet would keep it. */
interface Slot {
  name: string;
  /** Set while it runs and answers; undefined while down or starting. */
  live?: Incarnation;
  history: Incarnation[];
}

/** An instance that ended without being told to: a defect, even when nothing was lost. */
export interface UnexpectedExit {
  instance: string;
  run: number;
  code: number | string | null;
}

/**
 * Several `cartwatch start` processes on one database and one fake Slack, under a supervisor that
 * starts an instance again whenever it ends (killed by the test, or on its own, which is recorded).
 * Each instance gets its own bot token (`xoxb-chaos-N`), so the fake Slack's record tells which
 * instance made a call.
 */
export class ChaosCluster {
  private readonly slots: Slot[];
  private readonly restarting = new Set<Promise<void>>();
  private readonly killing = new Set<Incarnation>();
  private stopping = false;
  readonly unexpectedExits: UnexpectedExit[] = [];
  restarts = 0;

  constructor(
    size: number,
    private readonly env: Record<string, string>,
    private readonly cwd: string,
    /** Told of every start and unexpected end, for the run's story. */
    private readonly note: (line: string) => void = () => {},
  ) {
    this.slots = Array.from({ length: size }, (_, i) => ({ name: `chaos-${i + 1}`, history: [] }));
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

  /** SIGKILL, as when a machine dies; the supervisor starts it again after `restartAfterMs`. */
  async kill(slot: number, restartAfterMs: number): Promise<void> {
    const place = this.slotAt(slot);
    const live = place.live;
    if (!live) return;
    place.live = undefined;
    this.killing.add(live);
    live.process.kill('SIGKILL');
    await live.exited;
    this.restartLater(slot, restartAfterMs);
  }

  /** Resolves once every instance that went down runs again. */
  async settled(): Promise<void> {
    while (this.restarting.size > 0) await Promise.all(this.restarting);
  }

  /** SIGTERM to every live instance; resolves to each exit code (0 is a clean stop). */
  async stopAll(): Promise<(number | string | null)[]> {
    this.stopping = true;
    await this.settled().catch(() => {});
    const live = this.slots.flatMap((slot) => (slot.live ? [slot.live] : []));
    for (const incarnation of live) incarnation.process.kill('SIGTERM');
    return Promise.all(live.map((incarnation) => incarnation.exited));
  }

  /** Store operations an instance found still missing on Postgres (while the store is being built). */
  missingOperations(): string[] {
    const found = new Set<string>();
    for (const run of this.slots.flatMap((slot) => slot.history))
      for (const match of run.output.matchAll(/(\w+) is not available on the Postgres store yet/g))
        if (match[1]) found.add(match[1]);
    return [...found].sort();
  }

  /** The last lines of each run that ended on its own (the rest is in saveOutput's files). */
  crashTails(lines = 12): string {
    return this.unexpectedExits
      .map(({ instance, run }) => {
        const output = this.slots.find((slot) => slot.name === instance)?.history[run - 1]?.output ?? '';
        return `--- ${instance} run ${run}:\n${output.trimEnd().split('\n').slice(-lines).join('\n')}`;
      })
      .join('\n');
  }

  /** Writes each run's whole output under `folder` (a failure's evidence); returns the folder. */
  saveOutput(folder: string): string {
    mkdirSync(folder, { recursive: true });
    for (const slot of this.slots)
      slot.history.forEach((run, n) => {
        writeFileSync(path.join(folder, `${slot.name}-run-${n + 1}.log`), run.output);
      });
    return folder;
  }

  private async start(slot: number): Promise<void> {
    const place = this.slotAt(slot);
    const env = { ...this.env, CARTWATCH_INSTANCE: place.name, SLACK_BOT_TOKEN: this.tokenOf(slot) };
    const incarnation = await launch(env, this.cwd, (spawned) => place.history.push(spawned));
    place.live = incarnation;
    void incarnation.exited.then((code) => this.exited(slot, incarnation, code));
  }

  /** An instance that ended on its own is recorded, and started again as a supervisor would. */
  private exited(slot: number, incarnation: Incarnation, code: number | string | null): void {
    const place = this.slotAt(slot);
    if (this.killing.delete(incarnation) || this.stopping) return;
    if (place.live === incarnation) place.live = undefined;
    this.unexpectedExits.push({ instance: place.name, run: place.history.indexOf(incarnation) + 1, code });
    this.note(`${place.name} ended on its own (${code})`);
    this.restartLater(slot, 0);
  }

  private restartLater(slot: number, afterMs: number): void {
    const restart = (async () => {
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      // Postgres restarting under it, say: tried again, as a supervisor would, a few times.
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          await this.start(slot);
          this.restarts += 1;
          this.note(`${this.slotAt(slot).name} back`);
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
          this.note(`${this.slotAt(slot).name} failed to start (attempt ${attempt})`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })();
    this.restarting.add(restart);
    void restart.finally(() => this.restarting.delete(restart)).catch(() => {});
  }

  private slotAt(slot: number): Slot {
    const place = this.slots[slot];
    if (!place) throw new Error(`no slot ${slot}`);
    return place;
  }
}
