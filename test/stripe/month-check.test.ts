import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { periodOf, periodStart, previousPeriod } from '../../src/lib/months.js';
import { closeMonth } from '../../src/reconciliation/close-month.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { checkMonthAgainstStripe } from '../../src/stripe/month-check.js';
import { applyMonthCheck } from '../../src/stripe/month-check-apply.js';
import { monthCheckCsv } from '../../src/stripe/month-check-report.js';
import { runCli } from '../helpers/run-cli.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { DAY_SECONDS, openShop, type Shop } from '../helpers/stripe-shop.js';
import { WEBHOOK_SECRET } from '../helpers/test-app.js';

/** A month that has ended, with its middle day in Stripe seconds. */
function lastMonth(shop: Shop) {
  const period = previousPeriod(periodOf(shop.t.clock.now()));
  return { period, midSeconds: periodStart(period) / 1000 + 14 * DAY_SECONDS };
}

const check = (shop: Shop, period: string) =>
  checkMonthAgainstStripe(
    { db: shop.t.ctx.db, stripe: shop.t.ctx.stripe, isLiveKey: false, now: shop.t.clock.now() },
    period,
    {
      backoffMs: 1,
    },
  );

const apply = async (shop: Shop, report: Awaited<ReturnType<typeof check>>) => {
  const summary = await applyMonthCheck(
    { db: shop.t.ctx.db, stripe: shop.t.ctx.stripe, now: () => shop.t.clock.now(), onStored: () => undefined },
    report,
    { staffId: null, email: 'ada@socks.example' },
    { backoffMs: 1 },
  );
  await shop.t.settle();
  return summary;
};

const envOf = (shop: Shop) => ({
  DATABASE_PATH: shop.t.databasePath,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_SECRET_KEY: 'sk_test_shop',
  STRIPE_API_URL: shop.stripe.url,
});

describe('a month checked against Stripe', () => {
  it('agrees when every sale, refund and dispute reached the ledger, with totals side by side', async () => {
    const shop = await openShop({ pageSize: 3 });
    const { period, midSeconds } = lastMonth(shop);
    const sales = [1, 2, 3, 1, 2].map((pairs, i) =>
      shop.sell({ lines: [{ pairsPerUnit: pairs }], createdSeconds: midSeconds + i }),
    );
    for (const sale of sales) await shop.t.deliver(sale.event);
    for (const event of shop.refund(sales[0]!, 600, midSeconds + 100)) await shop.t.deliver(event);
    await shop.t.deliver(shop.dispute(sales[1]!, 'needs_response', midSeconds + 200));
    await shop.t.settle();

    const report = await check(shop, period);

    expect(report.differences).toEqual([]);
    expect(report.counted).toEqual({ sessions: 5, refunds: 1, disputes: 1 });
    expect(report.currencies).toEqual([
      {
        currency: 'GBP',
        stripe: { paidCount: 5, paidMinor: 6000, refundedMinor: 600, disputedMinor: 1200, pairs: null },
        ledger: { paidCount: 5, paidMinor: 6000, refundedMinor: 600, disputedMinor: 1200, pairs: 9 },
      },
    ]);
  });

  it('finds a sale 40 days old that only the month check can, and recovers it from Stripe, audited', async () => {
    const shop = await openShop();
    const sale = shop.sell({ lines: [{ pairsPerUnit: 3 }], createdSeconds: shop.nowSeconds() - 40 * DAY_SECONDS });
    const period = periodOf(sale.session.created * 1000);
    expect(await shop.catchUp()).toMatchObject({ listed: 0 }); // its event is past Stripe's 30 days

    const report = await check(shop, period);
    expect(report.differences).toEqual([
      expect.objectContaining({ kind: 'missing_here', id: sale.session.id, isFixable: true, ledger: null }),
    ]);
    expect(shop.count('select count(*) as n from orders')).toBe(0); // the report wrote nothing

    expect(await apply(shop, report)).toEqual({ recovered: 1, unchanged: 0, leftForStaff: 0 });

    expect(shop.t.totals().pairs).toBe(3);
    expect(shop.count(`select count(*) as n from stripe_events where source = 'month_check'`)).toBe(1);
    expect(shop.count(`select count(*) as n from email_outbox where idempotency_key like 'receipt:%'`)).toBe(1);
    expect(
      shop.count(`select count(*) as n from audit_log where action = 'stripe.recover' and actor = 'ada@socks.example'
        and subject = 'checkout.session:${sale.session.id}'`),
    ).toBe(1);
    expect((await check(shop, period)).differences).toEqual([]);
    // Fetched again from Stripe, not taken from the report.
    expect(
      shop.stripe.requests.some(
        (r) =>
          r.startsWith(`GET /v1/checkout/sessions/${sale.session.id}?`) ||
          r === `GET /v1/checkout/sessions/${sale.session.id}`,
      ),
    ).toBe(true);
  });

  it('books a refund Stripe has and a closed month lacks as a late entry in the first open month', async () => {
    const shop = await openShop();
    const { period, midSeconds } = lastMonth(shop);
    const sale = shop.sell({ lines: [{ pairsPerUnit: 2 }], createdSeconds: midSeconds });
    await shop.t.deliver(sale.event);
    await shop.t.settle();
    closeMonth(shop.t.ctx.db, period, COMMAND_LINE, shop.t.clock.now());
    shop.refund(sale, sale.session.amount_total, midSeconds + 3600); // made in the Stripe dashboard, never delivered

    const report = await check(shop, period);
    expect(report.differences.map((d) => d.kind)).toEqual(['refund_differs']);
    await apply(shop, report);

    expect(shop.t.totals().pairs).toBe(0);
    const late = shop.t.ctx.db.all<{ kind: string; period: string; is_late: number }>(
      `select kind, period, is_late from ledger_entries where kind = 'refund'` as never,
    );
    expect(late).toEqual([{ kind: 'refund', period: periodOf(shop.t.clock.now()), is_late: 1 }]);
  });

  it('reports dispute outcomes, amounts, orders Stripe does not know, the other mode and unmapped items', async () => {
    const shop = await openShop();
    const { period, midSeconds } = lastMonth(shop);
    const disputed = shop.sell({ lines: [{ pairsPerUnit: 1 }], createdSeconds: midSeconds });
    const repriced = shop.sell({ lines: [{ pairsPerUnit: 1 }], createdSeconds: midSeconds + 1 });
    const unmapped = shop.sell({ lines: [{}], createdSeconds: midSeconds + 2 });
    for (const sale of [disputed, repriced, unmapped]) await shop.t.deliver(sale.event);
    await shop.t.deliver(shop.dispute(disputed, 'needs_response', midSeconds + 10));
    shop.dispute(disputed, 'lost', midSeconds + 20); // decided while the webhook was failing
    shop.stripe.sessions.put({ ...repriced.session, amount_total: 999 });
    const unknown = checkoutCompleted({ lines: [{ pairsPerUnit: 1 }] }, { createdSeconds: midSeconds + 30 });
    const live = checkoutCompleted({ lines: [{ pairsPerUnit: 1 }] }, { createdSeconds: midSeconds + 40 });
    live.data.object.livemode = true;
    await shop.t.deliver(unknown);
    await shop.t.deliver(live);
    await shop.t.settle();

    const report = await check(shop, period);
    const found = report.differences.map((d) => [d.kind, d.id]).sort();

    expect(found).toEqual(
      [
        ['amount_differs', repriced.session.id],
        ['dispute_differs', `dp_${disputed.chargeId}`],
        ['not_in_stripe', unknown.data.object.id],
        ['other_mode', live.data.object.id],
        ['unmapped_lines', unmapped.session.id],
      ].sort(),
    );
    const csv = [...monthCheckCsv(report)].join('');
    expect(csv).toContain(
      `difference,GBP,dispute_differs,dispute,dp_${disputed.chargeId},lost,1200,needs_response,1200,true\r\n`,
    );

    expect(await apply(shop, report)).toEqual({ recovered: 1, unchanged: 0, leftForStaff: 4 });
    expect(shop.count(`select pairs as n from orders where checkout_session_id = '${disputed.session.id}'`)).toBe(0);
  });
});

describe('stripe:reconcile', () => {
  it('exits 2 listing the differences, then 0 once --apply has fixed them', async () => {
    const shop = await openShop();
    const sale = shop.sell({ lines: [{ pairsPerUnit: 2 }], createdSeconds: shop.nowSeconds() - 40 * DAY_SECONDS });
    const period = periodOf(sale.session.created * 1000);
    await shop.t.close();

    const differs = await runCli(['stripe:reconcile', '--period', period], envOf(shop));
    const applied = await runCli(['stripe:reconcile', '--period', period, '--apply'], envOf(shop));
    const agrees = await runCli(['stripe:reconcile', '--period', period], envOf(shop));

    expect(differs.code).toBe(2);
    expect(differs.stdout).toContain(`GBP checkout.session ${sale.session.id}: paid in Stripe, missing here`);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('recovered 1 from Stripe');
    expect(agrees).toMatchObject({ code: 0 });
    expect(agrees.stdout).toContain('Stripe and the ledger agree.');
    expect(agrees.stdout).toContain('paid: Stripe 1 for £12.00, here 1 for £12.00');
  });

  it('refuses an unknown --period, a month not begun, and a key without permission, writing nothing', async () => {
    const shop = await openShop();
    await shop.t.close();
    shop.stripe.forbidden.add('checkout/sessions');

    const bad = await runCli(['stripe:reconcile', '--period', '2026-13'], envOf(shop));
    const future = await runCli(['stripe:reconcile', '--period', '2999-01'], envOf(shop));
    const forbidden = await runCli(['stripe:reconcile', '--period', '2026-01'], envOf(shop));

    expect(bad).toMatchObject({ code: 64, stderr: '--period must look like 2026-10 (got "2026-13")\n' });
    expect(future).toMatchObject({ code: 64, stderr: '2999-01 has not started yet\n' });
    expect(forbidden.code).toBe(1);
    const written = openDatabase(shop.t.databasePath);
    expect(written.db.get<{ n: number }>(sql`select count(*) as n from stripe_events`)!.n).toBe(0);
    written.close();
    expect(forbidden.stderr).toContain(
      'STRIPE_SECRET_KEY may not list checkout sessions: give the key the "Checkout Sessions: Read" permission',
    );
  });
});
