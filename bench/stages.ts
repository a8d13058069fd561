import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { selectReadyEvents } from '../src/stripe/events.queries.js';
import { verifyStripeEvent, type VerifiedEvent } from '../src/stripe/verify-event.js';
import { CheckoutEventSource } from './checkout-events.js';
import { newWebhookSecret } from './environment.js';

/**
 * Where a webhook's time goes, stage by stage, in one process and without HTTP: making and signing
 * the event (the load generator's share), verifying it, storing it (group commit, 50 at a time, as
 * at 50 connections), picking a batch out of the backlog, and processing it into orders and ledger.
 *
 *   npx tsx bench/stages.ts [--events 5000] [--statement-cache]
 *
 * --statement-cache shows what reusing compiled statements would save: drizzle asks SQLite to
 * compile every query afresh. (An experiment only: a shared statement's raw mode leaks between users.)
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '5000' }, 'statement-cache': { type: 'boolean', default: false } },
  });
  const count = Number(values.events);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-stages-'));
  const secret = newWebhookSecret();
  const ctx = createContext(
    loadConfig({
      NODE_ENV: 'production',
      DATABASE_PATH: path.join(dir, 'stages.db'),
      MAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
      STRIPE_WEBHOOK_SECRET: secret,
      SESSION_SECRET: secret.repeat(2),
      LOG_LEVEL: 'silent',
    }),
  );
  const compiled = countCompiledStatements(ctx.database.sqlite);
  if (values['statement-cache']) cacheStatements(ctx.database.sqlite);
  try {
    const source = new CheckoutEventSource(secret);
    // CPU time as well as wall time: on a shared machine the CPU figure is the steadier one.
    const rows: [string, number, number][] = [];
    const time = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const result = await work();
      const cpu = process.cpuUsage(cpuBefore);
      rows.push([stage, ((performance.now() - started) * 1000) / count, (cpu.user + cpu.system) / count]);
      return result;
    };

    const signed = await time('make and sign an event (load generator)', () =>
      Array.from({ length: count }, () => {
        const event = source.next();
        return { body: Buffer.from(event.body), signature: event.signature };
      }),
    );
    const verified = await time('verify signature and parse', () =>
      signed.map((e) => verifyStripeEvent(e.body, e.signature, [secret], 300, Date.now())),
    );
    await time('store durably (group commit of 50)', () => storeInGroups(ctx.eventWriter, verified, 50));
    selectReadyEvents(ctx.db, Date.now(), 200); // the first read also compiles and warms the cache
    const selectStarted = performance.now();
    const batch = selectReadyEvents(ctx.db, Date.now(), 200);
    const selectMs = performance.now() - selectStarted;
    const compiledBefore = compiled.count;
    await time('process into orders and ledger', () => ctx.events.drain());
    const compiledPerEvent = (compiled.count - compiledBefore) / count;

    process.stdout.write(
      `${count.toLocaleString('en')} events${values['statement-cache'] ? ', statements cached' : ''}        wall µs/event   CPU µs/event\n`,
    );
    for (const [stage, wall, cpu] of rows)
      process.stdout.write(`${stage.padEnd(44)} ${wall.toFixed(0).padStart(8)} ${cpu.toFixed(0).padStart(14)}\n`);
    process.stdout.write(
      `${`select a batch of ${batch.length} from ${count.toLocaleString('en')} waiting`.padEnd(44)} ${selectMs.toFixed(1).padStart(6)} ms\n`,
    );
    process.stdout.write(
      `${'statements compiled per processed event'.padEnd(44)} ${compiledPerEvent.toFixed(1).padStart(6)}\n`,
    );
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function countCompiledStatements(sqlite: Database.Database): { count: number } {
  const counter = { count: 0 };
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    counter.count++;
    return prepare(source);
  }) as typeof sqlite.prepare;
  return counter;
}

function cacheStatements(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement || statement.busy) {
      statement = prepare(source);
      cache.set(source, statement);
    } else if (statement.reader) {
      statement.raw(false);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

async function storeInGroups(
  writer: { store(event: VerifiedEvent): Promise<boolean> },
  events: VerifiedEvent[],
  size: number,
): Promise<void> {
  for (let i = 0; i < events.length; i += size)
    await Promise.all(events.slice(i, i + size).map((event) => writer.store(event)));
}

void main();
