import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll } from 'vitest';
import { CLI } from './child.js';
import { sharedClockEnv } from './clock-env.js';

/** One run of one instance: its process, address and what it printed. */
export interface Incarnation {
  process: ChildProcess;
  url: string;
  output: string;
  exited: Promise<number | string | null>;
}

// What a failed test leaves running is killed when the file ends.
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

function spawnCli(args: string[], env: Record<string, string>, cwd: string): ChildProcess {
  // In its own folder: a URL mistaken for a path, or a ./data default, must not land in the repo.
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      LOG_LEVEL: 'warn',
      // e.g. `--import ./trace-rejections.mjs` while chasing why an instance died.
      ...(process.env.CHAOS_CHILD_NODE_OPTIONS && { NODE_OPTIONS: process.env.CHAOS_CHILD_NODE_OPTIONS }),
      ...sharedClockEnv(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Runs the built `cartwatch start` and resolves once it listens; `onOutput` sees the incarnation
 * from its first byte (it is kept even when the start fails).
 */
export async function launch(
  env: Record<string, string>,
  cwd: string,
  onSpawn: (incarnation: Incarnation) => void,
): Promise<Incarnation> {
  const child = spawnCli(['start'], env, cwd);
  const incarnation: Incarnation = {
    process: child,
    url: '',
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal))),
  };
  onSpawn(incarnation);
  const append = (chunk: Buffer) => {
    incarnation.output += chunk;
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  incarnation.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cartwatch did not start within 60 s:\n${incarnation.output}`));
    }, 60_000);
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(incarnation.output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    child.stdout?.on('data', check);
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
  const child = spawnCli(args, env, cwd);
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}
