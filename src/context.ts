import type Stripe from 'stripe';
import type { Config } from './config.js';
import { migrateDatabase, openDatabase, type Database_, type Db } from './db/client.js';
import { ensureDefaultRule } from './conversion/conversion-rules.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { EventProcessor } from './stripe/event-processor.js';
import { EventWriter } from './stripe/event-writer.js';
import { createStripeClient, stripeLineItemSource, type LineItemSource } from './stripe/line-items.js';

/** Everything the app and the CLI need, built once: the one place that wires parts together. */
export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly database: Database_;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stripe: Stripe;
  readonly eventWriter: EventWriter;
  readonly events: EventProcessor;
  close(): Promise<void>;
}

export interface ContextOverrides {
  clock?: Clock;
  logger?: Logger;
  stripe?: Stripe;
  lineItems?: LineItemSource;
}

/** Opens and migrates the database and builds the services. Tests pass overrides; nothing is mocked. */
export function createContext(config: Config, overrides: ContextOverrides = {}): AppContext {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const database = openDatabase(config.databasePath);
  const { db } = database;
  migrateDatabase(db);
  ensureDefaultRule(db, config.trapWeeksPerPair, config.donationPerPair, clock.now());
  const stripe = overrides.stripe ?? createStripeClient(config.secrets.stripeSecretKey, config.stripeApiUrl);
  const lineItems = overrides.lineItems ?? stripeLineItemSource(stripe, Boolean(config.secrets.stripeSecretKey));
  const events = new EventProcessor(db, clock, logger, lineItems);
  return {
    config,
    db,
    database,
    clock,
    logger,
    stripe,
    eventWriter: new EventWriter(db, clock),
    events,
    async close() {
      await events.stop();
      database.close();
    },
  };
}
