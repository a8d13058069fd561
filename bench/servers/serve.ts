import http from 'node:http';
import { LatencyHistogram } from '../latency.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
type Message = { id: number; command: string };
export type Commands = Record<string, () => unknown>;

/**
 * Runs inside a server's own child process: serves the handler on loopback, times every request
 * from arrival to the last byte written (the server's share of the latency the load generator
 * sees), and answers the benchmark's commands over IPC.
 */
export function serveForBench(
  handler: Handler,
  commands: Commands = {},
  close: () => Promise<void> = async () => {},
): void {
  const serverTime = new LatencyHistogram();
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    inFlight++;
    res.once('finish', () => serverTime.record(Number(process.hrtime.bigint() - started) / 1e6));
    res.once('close', () => inFlight--); // also when the client hung up first
    handler(req, res);
  });
  server.keepAliveTimeout = 60_000;

  const builtIn: Commands = {
    stats: () => ({ memory: process.memoryUsage(), server: serverTime.summary() }),
    reset: () => serverTime.reset(),
    /** Resolves once every request has been answered or given up by its client (see settle() for the rest). */
    idle: async () => {
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    // Only with --expose-gc: memory after a full collection tells a leak from garbage not yet collected.
    gc: () => {
      (globalThis as { gc?: () => void }).gc?.();
      return process.memoryUsage();
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await close();
    },
  };
  const all: Commands = { ...builtIn, ...commands };

  process.on('message', (message: Message) => {
    const run = all[message.command];
    Promise.resolve()
      .then(() => {
        if (!run) throw new Error(`unknown command ${message.command}`);
        return run();
      })
      .then(
        (result) => reply({ id: message.id, result: result ?? null }, message.command === 'stop'),
        (error: unknown) =>
          reply({ id: message.id, error: error instanceof Error ? error.stack : String(error) }, false),
      );
  });

  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
  });
}

function reply(message: object, shouldExit: boolean): void {
  process.send!(message, undefined, {}, () => {
    if (shouldExit) process.exit(0);
  });
}
