import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { conversionRates, conversionRules, ledgerEntries, orders, products } from '../../src/db/schema/index.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { createTestApp } from '../helpers/test-app.js';

const DAY = 86_400_000;

describe('conversion of pairs into trap-weeks and donations', () => {
  it('books the donation owed per pair in the order currency, in minor units', async () => {
    const t = createTestApp({ env: { DONATION_PER_PAIR: 'GBP:100,EUR:115' } });
    await t.deliver(checkoutCompleted({ currency: 'eur', lines: [{ pairsPerUnit: 3, quantity: 2 }] }));
    await t.settle();

    const sale = t.ctx.db.select().from(ledgerEntries).get()!;
    expect(sale).toMatchObject({ kind: 'sale', pairs: 6, trapWeeks: 6, donationMinor: 690, currency: 'EUR' });
  });

  it('still funds trap-weeks in a currency without a rate, and flags the donation for staff', async () => {
    const t = createTestApp();
    await t.deliver(checkoutCompleted({ currency: 'usd', lines: [{ pairsPerUnit: 2 }] }));
    await t.settle();

    expect(t.totals().trapWeeks).toBe(2);
    expect(t.ctx.db.select().from(ledgerEntries).get()).toMatchObject({ donationMinor: 0, currency: 'USD' });
    expect(t.ctx.db.select().from(orders).get()?.isDonationRateMissing).toBe(true);
  });

  it('applies the rule in force on the payment date, and a newer rule never rewrites older orders', async () => {
    const t = createTestApp({ env: { DONATION_PER_PAIR: 'GBP:100' } });
    await t.deliver(
      checkoutCompleted({ lines: [{ pairsPerUnit: 1 }] }, { createdSeconds: Math.floor(t.clock.now() / 1000) }),
    );
    await t.settle();

    const tomorrow = new Date(t.clock.now() + DAY).toISOString().slice(0, 10);
    const rule = t.ctx.db
      .insert(conversionRules)
      .values({ effectiveOn: tomorrow, trapWeeksPerPair: 2, createdAt: t.clock.now() })
      .returning()
      .get();
    t.ctx.db.insert(conversionRates).values({ ruleId: rule.id, currency: 'GBP', donationPerPairMinor: 150 }).run();
    t.clock.advance(2 * DAY);
    await t.deliver(
      checkoutCompleted({ lines: [{ pairsPerUnit: 1 }] }, { createdSeconds: Math.floor(t.clock.now() / 1000) }),
    );
    await t.settle();

    const entries = t.ctx.db.select().from(ledgerEntries).all();
    expect(entries.map((e) => [e.trapWeeks, e.donationMinor])).toEqual([
      [1, 100],
      [2, 150],
    ]);
    expect(t.totals()).toEqual({ pairs: 2, trapWeeks: 3, supporters: 1 });
  });

  it('prefers the local catalog by price id, then by product id, over Stripe metadata', async () => {
    const t = createTestApp();
    const now = t.clock.now();
    t.ctx.db
      .insert(products)
      .values([
        { stripePriceId: 'price_pack', name: '5-pack by price', pairsPerUnit: 5, updatedAt: now },
        { stripeProductId: 'prod_pack', name: '4-pack by product', pairsPerUnit: 4, updatedAt: now },
      ])
      .run();

    await t.deliver(checkoutCompleted({ lines: [{ priceId: 'price_pack', productId: 'prod_pack', pairsPerUnit: 1 }] }));
    await t.deliver(checkoutCompleted({ lines: [{ productId: 'prod_pack', pairsPerUnit: 1 }] }));
    await t.deliver(checkoutCompleted({ lines: [{ pairsPerUnit: 3 }] }));
    await t.settle();

    expect(t.totals().pairs).toBe(5 + 4 + 3);
  });

  it('never updates or deletes a ledger entry: corrections are new rows', async () => {
    const t = createTestApp();
    const event = checkoutCompleted({ lines: [{ pairsPerUnit: 3 }] });
    await t.deliver(event);
    await t.settle();
    const before = t.ctx.db.select().from(ledgerEntries).all();

    await t.deliver({ ...event, id: `${event.id}_again` });
    await t.settle();

    expect(t.ctx.db.select().from(ledgerEntries).where(eq(ledgerEntries.id, before[0]!.id)).all()).toEqual(before);
    expect(t.ctx.db.select().from(ledgerEntries).all()).toHaveLength(1);
  });
});
