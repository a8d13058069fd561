import { startShopStripeAccount } from './shop-stripe-account.js';

// Before every test file: the shop's Stripe account, which test apps fetch line items from.
await startShopStripeAccount();
