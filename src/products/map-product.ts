import { asc, eq, sql } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { orderLines, products } from '../db/schema/index.js';
import { reconcileOrder } from '../orders/reconcile-order.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import { resolvePairsPerUnit } from './products.queries.js';
import { BadRequestError } from '../errors.js';

export interface ProductMappingInput {
  /** A Stripe price id (price_…) or product id (prod_…). */
  stripeId: string;
  name: string;
  pairsPerUnit: number;
}

export interface MappingResult {
  productId: number;
  linesChanged: number;
  ordersReconciled: number;
}

/**
 * Maps a Stripe price or product to pairs per unit and applies it to every order it touches, in one
 * transaction: the lines take the new figure, and each affected order is reconciled, which appends
 * the difference (a sale for an order that funded nothing yet, an adjustment otherwise). No ledger
 * entry is ever edited.
 */
export function saveProductMapping(db: Db, input: ProductMappingInput, actor: Actor, now: number): MappingResult {
  const mapping = validMapping(input);
  const column = mapping.isPrice ? products.stripePriceId : products.stripeProductId;
  const lineColumn = mapping.isPrice ? orderLines.stripePriceId : orderLines.stripeProductId;
  return transaction(
    db,
    (tx) => {
      const before = tx.select().from(products).where(eq(column, mapping.stripeId)).get();
      const values = { name: mapping.name, pairsPerUnit: mapping.pairsPerUnit, updatedAt: now };
      const product = before
        ? tx.update(products).set(values).where(eq(products.id, before.id)).returning().get()
        : tx
            .insert(products)
            .values({
              ...values,
              stripePriceId: mapping.isPrice ? mapping.stripeId : null,
              stripeProductId: mapping.isPrice ? null : mapping.stripeId,
            })
            .returning()
            .get();

      const lines = tx.select().from(orderLines).where(eq(lineColumn, mapping.stripeId)).all();
      const changed = lines.filter((line) => {
        // A price mapping outranks a product one, so re-resolve rather than copy the new figure.
        const pairs = resolvePairsPerUnit(tx, line.stripePriceId, line.stripeProductId, line.pairsPerUnit);
        if (pairs === line.pairsPerUnit) return false;
        tx.update(orderLines).set({ pairsPerUnit: pairs }).where(eq(orderLines.id, line.id)).run();
        return true;
      });
      const orderIds = [...new Set(changed.map((line) => line.orderId))];
      for (const orderId of orderIds) reconcileOrder(tx, orderId, { occurredAt: now, recordedAt: now, eventId: null });

      const result = { productId: product.id, linesChanged: changed.length, ordersReconciled: orderIds.length };
      recordAudit(tx, actor, now, 'product.map', `product:${product.id}`, before ? pick(before) : null, {
        ...pick(product),
        ...result,
      });
      return result;
    },
    'immediate',
  );
}

/** Line items nobody has mapped yet, grouped by what Stripe sold. */
export function listUnmappedItems(db: Db) {
  return db
    .select({
      stripePriceId: orderLines.stripePriceId,
      stripeProductId: orderLines.stripeProductId,
      description: sql<string | null>`max(${orderLines.description})`,
      lines: sql<number>`count(*)`,
      orders: sql<number>`count(distinct ${orderLines.orderId})`,
      units: sql<number>`sum(${orderLines.quantity})`,
    })
    .from(orderLines)
    .where(sql`${orderLines.pairsPerUnit} is null`)
    .groupBy(orderLines.stripePriceId, orderLines.stripeProductId)
    .orderBy(sql`count(*) desc`)
    .limit(200)
    .all();
}

export function listCatalog(db: Db) {
  return db.select().from(products).orderBy(asc(products.name), asc(products.id)).all();
}

function validMapping(input: ProductMappingInput) {
  const stripeId = input.stripeId.trim();
  const isPrice = stripeId.startsWith('price_');
  if (!/^(price|prod)_[A-Za-z0-9_]{1,250}$/.test(stripeId)) {
    throw new BadRequestError('invalid_stripe_id', 'Give a Stripe price id (price_…) or product id (prod_…).', {
      field: 'stripeId',
    });
  }
  if (!Number.isInteger(input.pairsPerUnit) || input.pairsPerUnit < 1 || input.pairsPerUnit > 100) {
    throw new BadRequestError('invalid_pairs', 'Pairs per unit must be a whole number from 1 to 100.', {
      field: 'pairsPerUnit',
    });
  }
  const name = input.name.trim();
  if (!name || name.length > 200)
    throw new BadRequestError('invalid_name', 'Give the product a name (up to 200 characters).', { field: 'name' });
  return { stripeId, isPrice, name, pairsPerUnit: input.pairsPerUnit };
}

function pick(product: typeof products.$inferSelect) {
  return {
    stripePriceId: product.stripePriceId,
    stripeProductId: product.stripeProductId,
    name: product.name,
    pairsPerUnit: product.pairsPerUnit,
  };
}
