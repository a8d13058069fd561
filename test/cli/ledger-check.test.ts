import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, orders, supporterTotals } from '../../src/db/schema/index.js';
import { findOrderBySession } from '../../src/orders/orders.queries.js';
import { findSupporterImpact } from '../../src/supporters/supporter-impact.js';
import { findOrCreateSupporter } from '../../src/supporters/supporters.queries.js';
import { checkoutCompleted, checkoutSession, nextCreated, stripeEvent } from '../helpers/stripe-events.js';
import { runCli } from '../helpers/run-cli.js';
import { createTestApp, WEBHOOK_SECRET, type TestApp } from '../helpers/test-app.js';

const check = (t: TestApp, ...args: string[]) =>
  runCli(['ledger:check', ...args], { DATABASE_PATH: t.databasePath, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });

describe('ledger:check', () => {
  it('says every kept sum agrees with the entries, and exits 0', async () => {
    const t = createTestApp();
    await t.deliver(checkoutCompleted({ email: 'ada@example.org', lines: [{ pairsPerUnit: 3 }] }));
    await t.settle();

    const result = await check(t);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'running totals: 3 pairs, 3 trap-weeks, 1 supporters, as the entries say',
        "orders' figures: all as their entries say",
        "supporters' sums: all as their entries say",
        'month sums: all as their entries say',
        'week sums: all as their entries say',
        'trap-weeks and camera-weeks: every funded week allocated or waiting, once',
        'every order credits its buyer',
        '',
      ].join('\n'),
    );
    expect(result.stderr).toContain("checking orders' figures…");
  });

  it('finds an order whose buyer was set without moving its entries, and --repair credits the buyer', async () => {
    const t = createTestApp();
    const session = {
      ...checkoutSession({ lines: [{ pairsPerUnit: 3 }] }),
      customer_details: { email: null, name: null },
    };
    await t.deliver(stripeEvent('checkout.session.completed', session, { createdSeconds: nextCreated() }));
    await t.settle();
    // What an earlier version left behind: the order names its buyer, its entries credit no one.
    const buyer = findOrCreateSupporter(t.ctx.db, 'late@example.org', null, t.clock.now());
    t.ctx.db.update(orders).set({ supporterId: buyer.id }).where(eq(orders.checkoutSessionId, session.id)).run();
    const orderId = findOrderBySession(t.ctx.db, session.id)!.id;

    const found = await check(t);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(
      `orders crediting someone other than their buyer: ids ${orderId} (run ledger:check --repair to credit them)`,
    );
    expect(findSupporterImpact(t.ctx.db, buyer.token)!.pairs).toBe(0);

    const repaired = await check(t, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('credited 1 order(s) to their buyers with 2 adjustment entries');
    expect(repaired.stdout).toContain('every order credits its buyer');
    expect(findSupporterImpact(t.ctx.db, buyer.token)).toMatchObject({ pairs: 3, trapWeeks: 3 });
    expect(t.totals()).toEqual({ pairs: 3, trapWeeks: 3, supporters: 1 });
    expect(t.ctx.db.select().from(auditLog).all()).toMatchObject([
      { actor: 'command line', action: 'ledger.credit_buyer', subject: `order ${orderId}` },
    ]);

    expect((await check(t, '--repair')).stdout).not.toContain('credited'); // nothing left to do
  });

  it('reports kept sums that disagree with the entries as a bug, which --repair does not paper over', async () => {
    const t = createTestApp();
    await t.deliver(checkoutCompleted({ email: 'ada@example.org', lines: [{ pairsPerUnit: 2 }] }));
    await t.settle();
    const supporterId = t.ctx.db.select().from(supporterTotals).get()!.supporterId;
    t.ctx.db.update(supporterTotals).set({ pairs: 99 }).run();

    for (const args of [[], ['--repair']]) {
      const result = await check(t, ...args);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`supporters' sums DISAGREE for supporter ids ${supporterId}`);
      expect(result.stdout).toContain('The entries are the record; kept sums that disagree with them are a bug.');
    }
  });
});
