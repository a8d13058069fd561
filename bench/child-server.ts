import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { LatencySummary } from './latency.js';

export const BENCH_DIR = import.meta.dirname;

export interface ServerStats {
  memory: NodeJS.MemoryUsage;
  server: LatencySummary;
}

export interface ChildServer {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  command<T = unknown>(command: string): Promise<T>;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

type Reply = { id: number; result?: unknown; error?: string };

/**
 * Starts bench/servers/<name>.ts in its own Node process (TypeScript through tsx, as `npm start`
 * runs it) and waits until it listens. The load generator never shares a process with a server.
 */
export async function startChildServer(name: string, env: Record<string, string>, nodeFlags: string[] = []): Promise<ChildServer> {
  const child: ChildProcess = fork(path.join(BENCH_DIR, 'servers', `${name}.ts`), [], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '', ...env },
    execArgv: ['--import', 'tsx', '--expose-gc', ...nodeFlags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${name} exited with ${code} before listening`));
    child.once('exit', onExit);
    child.once('message', (message: { ready?: boolean; port?: number }) => {
      child.off('exit', onExit);
      if (message.ready && message.port) resolve(message.port);
      else reject(new Error(`${name} sent ${JSON.stringify(message)} instead of its port`));
    });
  });

  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${name}: ${message.error}`));
    else waiter.resolve(message.result);
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${name} exited with ${code}`));
    pending.clear();
  });

  const command = <T>(cmd: string) =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, command: cmd });
    });

  return {
    name,
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    command,
    stats: () => command<ServerStats>('stats'),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await command('stop').catch(() => child.kill());
      await exited;
    },
  };
}
