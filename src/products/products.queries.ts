import { eq, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { products } from '../db/schema/index.js';

const pairsByPrice = (db: Db) =>
  db
    .select({ pairs: products.pairsPerUnit })
    .from(products)
    .where(eq(products.stripePriceId, sql.placeholder('priceId')))
    .prepare();
const pairsByProduct = (db: Db) =>
  db
    .select({ pairs: products.pairsPerUnit })
    .from(products)
    .where(eq(products.stripeProductId, sql.placeholder('productId')))
    .prepare();

/**
 * Pairs per unit for a line item: the local catalog by price id, then by product id, then the
 * Stripe product's `pairs` metadata. Null means unmapped: the item funds nothing until staff map it.
 */
export function resolvePairsPerUnit(
  db: Db,
  priceId: string | null,
  productId: string | null,
  metadataPairs: number | null,
): number | null {
  if (priceId) {
    const byPrice = prepared(db, pairsByPrice).get({ priceId });
    if (byPrice) return byPrice.pairs;
  }
  if (productId) {
    const byProduct = prepared(db, pairsByProduct).get({ productId });
    if (byProduct) return byProduct.pairs;
  }
  return metadataPairs;
}
