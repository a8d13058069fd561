import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import { chargeRefunded, nextCreated, purchase, stripeEvent, type PurchaseFacts } from '../helpers/stripe-events.js';
import type { TestApp } from '../helpers/test-app.js';

/** Pays for `quantity` packs of `pairsPerUnit` pairs at £12 a pack, as Stripe would tell us. */
export async function buy(
  t: TestApp,
  opts: { email: string; name?: string | null; pairsPerUnit?: number; quantity?: number; createdSeconds?: number },
): Promise<PurchaseFacts> {
  const p = purchase({
    email: opts.email,
    name: opts.name ?? null,
    lines: [{ pairsPerUnit: opts.pairsPerUnit ?? 1, quantity: opts.quantity ?? 1, unitAmountMinor: 1200 }],
  });
  const res = await t.deliver(
    stripeEvent('checkout.session.completed', p.session, { createdSeconds: opts.createdSeconds ?? nextCreated() }),
  );
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  return p;
}

/** Stripe's cumulative refunded amount for a purchase. */
export async function refund(t: TestApp, p: PurchaseFacts, amountMinor: number): Promise<void> {
  await t.deliver(chargeRefunded(p, amountMinor));
}

export function tokenOf(t: TestApp, email: string): string {
  const supporter = findSupporterByEmail(t.ctx.db, email);
  if (!supporter) throw new Error(`no supporter ${email}`);
  return supporter.token;
}
