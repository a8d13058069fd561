import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectPath } from '../src/lib/project-root.js';
import type { LatencySummary } from './latency.js';

/** Where bench/ sources live: results go to bench/results whether the bench runs compiled or not. */
export const BENCH_DIR = projectPath('bench');

/**
 * How to start another bench script in its own process: the compiled build's .js when this bench
 * runs compiled (as `npm run bench*` does, the way `npm start` runs the app), the .ts through tsx
 * otherwise.
 */
export function benchScript(relative: string): { file: string; execArgv: string[] } {
  const here = import.meta.dirname;
  const isCompiled = import.meta.filename.endsWith('.js');
  return {
    file: path.join(here, relative.replace(/\.ts$/, isCompiled ? '.js' : '.ts')),
    execArgv: isCompiled ? [] : ['--import', 'tsx'],
  };
}

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
 * Starts bench/servers/<name> in its own Node process (compiled, as `npm start` runs the app, when
 * the bench itself runs compiled) and waits until it listens. The load generator never shares a
 * process with a server.
 */
export async function startChildServer(
  name: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<ChildServer> {
  const script = benchScript(`servers/${name}.ts`);
  const child: ChildProcess = fork(script.file, [], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '', ...env },
    execArgv: [...script.execArgv, '--expose-gc', ...nodeFlags],
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
