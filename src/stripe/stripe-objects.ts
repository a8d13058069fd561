import type { CheckoutInput, LineInput } from '../orders/record-checkout.js';
import type { OrderStatus } from '../orders/orders.queries.js';
import type { PaymentChange } from '../orders/record-payment-change.js';
import { normaliseEmail } from '../lib/email-address.js';
import { BadEventError } from '../errors.js';

/** Stripe shapes → domain inputs. Anything malformed is a BadEventError: retrying it would not help. */

type Obj = Record<string, unknown>;

const str = (o: Obj, key: string): string | null =>
  typeof o[key] === 'string' && o[key] !== '' ? (o[key] as string) : null;
const int = (o: Obj, key: string): number | null => (Number.isSafeInteger(o[key]) ? (o[key] as number) : null);
const obj = (value: unknown): Obj | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : null;
/** An expandable field: either an id or the expanded object. */
const idOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : (obj(value) && str(obj(value)!, 'id')) || null;

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new BadEventError('malformed_event', `${what} is missing or malformed`);
  return value;
}

/** The session's status, trusting the object's own state over the event's type. */
function checkoutStatus(session: Obj, eventType: string): OrderStatus {
  if (session.payment_status === 'paid') return 'paid';
  if (eventType === 'checkout.session.async_payment_failed') return 'failed';
  if (session.status === 'expired') return 'expired';
  if (session.status === 'complete') return 'unpaid';
  return 'open';
}

export function toCheckoutInput(session: Obj, eventType: string): CheckoutInput {
  const id = need(str(session, 'id'), 'checkout session id');
  const details = obj(session.customer_details) ?? {};
  const lineItems = obj(session.line_items);
  const created = int(session, 'created');
  return {
    checkoutSessionId: id,
    paymentIntentId: idOf(session.payment_intent),
    status: checkoutStatus(session, eventType),
    amountTotalMinor: int(session, 'amount_total') ?? 0,
    currency: need(str(session, 'currency'), `currency of ${id}`).toUpperCase(),
    livemode: session.livemode === true,
    email: normaliseEmail(str(details, 'email') ?? str(session, 'customer_email')),
    name: str(details, 'name'),
    startedAt: created === null ? null : created * 1000,
    lines:
      lineItems && Array.isArray(lineItems.data) && lineItems.has_more !== true
        ? lineItems.data.map(toLineInput)
        : undefined,
  };
}

export function toLineInput(raw: unknown): LineInput {
  const item = need(obj(raw), 'line item');
  const id = need(str(item, 'id'), 'line item id');
  const price = obj(item.price);
  const product = price ? obj(price.product) : null;
  const metadata = product ? obj(product.metadata) : null;
  const pairs =
    metadata && typeof metadata.pairs === 'string' && /^\d{1,4}$/.test(metadata.pairs.trim())
      ? Number(metadata.pairs)
      : null;
  const quantity = int(item, 'quantity') ?? 1;
  if (quantity < 0) throw new BadEventError('malformed_event', `line item ${id} has a negative quantity`);
  return {
    lineItemId: id,
    priceId: price ? str(price, 'id') : null,
    productId: price ? idOf(price.product) : null,
    description: str(item, 'description'),
    quantity,
    amountTotalMinor: int(item, 'amount_total') ?? 0,
    metadataPairs: pairs !== null && pairs > 0 ? pairs : null,
  };
}

export function toPaymentChange(object: Obj, eventCreated: number): PaymentChange {
  const id = need(str(object, 'id'), 'object id');
  const common = { id, paymentIntentId: idOf(object.payment_intent), stripeCreated: eventCreated };
  const amountMinor = need(int(object, 'amount'), `amount of ${id}`);
  switch (object.object) {
    case 'charge':
      return {
        object: 'charge',
        state: {
          ...common,
          amountMinor,
          amountRefundedMinor: int(object, 'amount_refunded') ?? 0,
          currency: (str(object, 'currency') ?? '').toUpperCase(),
        },
      };
    case 'refund':
      return {
        object: 'refund',
        state: {
          ...common,
          chargeId: idOf(object.charge),
          amountMinor,
          status: need(str(object, 'status'), `status of ${id}`),
        },
      };
    case 'dispute':
      return {
        object: 'dispute',
        state: {
          ...common,
          chargeId: idOf(object.charge),
          amountMinor,
          status: need(str(object, 'status'), `status of ${id}`),
        },
      };
    default:
      throw new BadEventError('malformed_event', `expected a charge, refund or dispute, got ${String(object.object)}`);
  }
}
