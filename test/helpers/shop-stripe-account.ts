import { afterAll } from 'vitest';
import { startStripeStandIn, type StripeStandIn } from './stripe-stand-in.js';

/**
 * The shop's Stripe account, as every test app sees it by default: a stand-in for the Stripe API
 * on 127.0.0.1 that lists the line items of every checkout session a test simulated. Real webhooks
 * never carry line items, so every purchase in the tests takes the path real ones do: the app
 * fetches them. Started once per test file (vitest's setupFiles), before any test app.
 */
export const SHOP_LINE_ITEMS = new Map<string, object[]>();

let account: StripeStandIn | undefined;

export async function startShopStripeAccount(): Promise<void> {
  account = await startStripeStandIn(100, SHOP_LINE_ITEMS);
  afterAll(() => account?.close());
}

/** The settings that point a test app at the shop's account. */
export function shopStripeSettings(): { STRIPE_SECRET_KEY: string; STRIPE_API_URL: string } {
  if (!account)
    throw new Error('the shop stand-in has not started: test/helpers/setup.ts starts it for every test file');
  return { STRIPE_SECRET_KEY: 'sk_test_shop_stand_in', STRIPE_API_URL: account.url };
}
