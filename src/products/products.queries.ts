import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { products } from '../db/schema.js';

/**
 * Pairs per unit for a line item: the local catalog by price id, then by product id, then the
 * Stripe product's `pairs` metadata. Null means unmapped: the item funds nothing until staff map it.
 */
export function resolvePairsPerUnit(db: DbOrTx, priceId: string | null, productId: string | null, metadataPairs: number | null): number | null {
  if (priceId) {
    const byPrice = db.select({ pairs: products.pairsPerUnit }).from(products).where(eq(products.stripePriceId, priceId)).get();
    if (byPrice) return byPrice.pairs;
  }
  if (productId) {
    const byProduct = db.select({ pairs: products.pairsPerUnit }).from(products).where(eq(products.stripeProductId, productId)).get();
    if (byProduct) return byProduct.pairs;
  }
  return metadataPairs;
}
