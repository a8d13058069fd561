import { createApp } from './app.js';
import { loadConfig, readEnv } from './config.js';
import { createContext } from './context.js';
import { createHttpServer } from './http/server.js';
import { ConfigError } from './errors.js';

/** Entry point: config → context (opens and migrates the database) → app → listen; graceful shutdown. */
function main(): void {
  let config;
  try {
    config = loadConfig(readEnv());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`socks: cannot start: ${error.problems.join('; ')}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const ctx = createContext(config);
  const app = createApp(ctx);
  const server = createHttpServer(app, config.http);
  server.listen(config.port, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    ctx.logger.info('listening', { port, url: config.publicUrl, database: config.databasePath, env: config.env });
  });
  server.on('error', (error) => {
    ctx.logger.error('server failed', { error });
    process.exit(1);
  });
  ctx.events.start();
  ctx.mail.start(); // the outbox, and the monthly schedule when enabled
  ctx.linkRequests.start();
  ctx.allocation.start();
  ctx.backups.start();
  ctx.catchUp?.start(); // missed webhooks, from Stripe's Events API (off without STRIPE_SECRET_KEY)

  let isStopping = false;
  const stop = (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    ctx.logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      ctx.logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000).unref();
    // Stop taking requests, let in-flight ones finish, then finish event work and close the database.
    server.close(() => {
      void ctx.close().then(() => {
        clearTimeout(force);
        ctx.logger.info('stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
