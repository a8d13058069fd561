/**
 * The parts of a stored Stripe event that describe a person, wherever they sit in it: the buyer's
 * details on a Checkout Session, a charge's billing and card details, a dispute's evidence, and
 * any address, email or phone anywhere (`data.previous_attributes` repeats old values). Nothing the
 * app reads to process an event is among them: ids, amounts, statuses and times stay, and so do
 * `data.object.id` and `data.object.payment_intent`, which the console's indexes are built on.
 * Read from Stripe's published objects (test/fixtures/stripe/).
 */
const PERSONAL_KEYS = new Set([
  // Checkout Session
  'customer_details',
  'customer_email',
  'collected_information',
  'shipping_details',
  'custom_fields',
  'client_reference_id',
  // Charge, PaymentIntent, Refund
  'billing_details',
  'shipping',
  'receipt_email',
  'receipt_url',
  'payment_method_details',
  'owner',
  // Dispute
  'evidence',
  // Pointers to the person's records at Stripe
  'customer',
  'customer_account',
  'payment_method',
  // Wherever they appear
  'email',
  'phone',
  'address',
  'individual_name',
  'business_name',
  'tax_id',
  'tax_ids',
  'ip_address',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The payload without its personal fields; the same text when it has none (an unchanged payload is not rewritten). */
export function withoutPersonalFields(payload: string): string {
  const event = parse(payload);
  if (event === undefined) return payload;
  return strip(event) ? JSON.stringify(event) : payload;
}

/** The personal fields a payload holds that say something (not null or empty), by their path: what a buyer's data export shows. */
export function personalFieldsIn(payload: string): Record<string, Json> {
  const found: Record<string, Json> = {};
  const visit = (value: Json, path: string) => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${path}[${i}]`));
    else if (value !== null && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        if (!PERSONAL_KEYS.has(key)) visit(inner, at);
        else if (saysSomething(inner)) found[at] = inner;
      }
  };
  const event = parse(payload);
  if (event !== undefined) visit(event, '');
  return found;
}

/** Removes personal keys in place, at any depth; true when any was removed. */
function strip(value: Json): boolean {
  if (Array.isArray(value)) return value.map(strip).some(Boolean);
  if (value === null || typeof value !== 'object') return false;
  let isChanged = false;
  for (const key of Object.keys(value)) {
    if (PERSONAL_KEYS.has(key)) {
      delete value[key];
      isChanged = true;
    } else if (strip(value[key]!)) isChanged = true;
  }
  return isChanged;
}

function saysSomething(value: Json): boolean {
  if (value === null || value === '') return false;
  if (Array.isArray(value)) return value.some(saysSomething);
  if (typeof value === 'object') return Object.values(value).some(saysSomething);
  return true;
}

function parse(payload: string): Json | undefined {
  try {
    return JSON.parse(payload) as Json;
  } catch {
    return undefined; // stored verbatim, verified by its signature: never malformed in practice
  }
}
