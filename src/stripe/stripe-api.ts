import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { StripeRefusedError, TemporaryError } from '../errors.js';

/** What the app lists from Stripe, and the restricted-key permission each list needs. */
export const LIST_PERMISSIONS = {
  events: 'Events: Read',
  'checkout sessions': 'Checkout Sessions: Read',
  refunds: 'Refunds: Read',
  disputes: 'Disputes: Read',
} as const;
export type StripeList = keyof typeof LIST_PERMISSIONS;

export interface ListPage<T> {
  data: T[];
  has_more: boolean;
}

export interface CallOptions {
  /** Attempts in all, for rate limits and outages alike. */
  attempts?: number;
  /** The first wait without a Retry-After; it doubles with each attempt. */
  backoffMs?: number;
}

/** Retry-After beyond this is not waited out inside one run: the job's next run tries again. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Calls Stripe, waiting out rate limits (429, honouring Retry-After) and brief outages (5xx, a lost
 * connection) with backoff. What waiting cannot fix (a key without the permission, a cursor Stripe
 * no longer knows) is a StripeRefusedError naming the cause; an outage that outlasts the attempts
 * is a TemporaryError, and the caller's job runs again later.
 */
export async function callStripe<T>(what: StripeList, call: () => Promise<T>, opts: CallOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const backoffMs = opts.backoffMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const waitMs = retryWaitMs(what, error, backoffMs * 2 ** (attempt - 1));
      if (attempt >= attempts)
        throw new TemporaryError(
          'stripe_unavailable',
          `listing ${what} from Stripe failed ${attempts} times: ${messageOf(error)}`,
          {
            cause: error,
          },
        );
      await sleep(waitMs);
    }
  }
}

/** How long to wait before trying again; throws at once for what waiting will not fix. */
function retryWaitMs(what: StripeList, error: unknown, backoffMs: number): number {
  if (!(error instanceof Stripe.errors.StripeError)) throw error;
  if (error instanceof Stripe.errors.StripeRateLimitError || error.statusCode === 429) {
    const seconds = Number(headerOf(error, 'retry-after'));
    return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : backoffMs;
  }
  if (error instanceof Stripe.errors.StripeConnectionError || (error.statusCode ?? 0) >= 500) return backoffMs;
  if (error instanceof Stripe.errors.StripePermissionError || error.statusCode === 403)
    throw new StripeRefusedError(
      'stripe_permission',
      `STRIPE_SECRET_KEY may not list ${what}: give the key the "${LIST_PERMISSIONS[what]}" permission in the Stripe dashboard (Developers → API keys)`,
      { cause: error },
    );
  if (error instanceof Stripe.errors.StripeAuthenticationError || error.statusCode === 401)
    throw new StripeRefusedError('stripe_key_invalid', `Stripe does not accept STRIPE_SECRET_KEY: ${error.message}`, {
      cause: error,
    });
  throw new StripeRefusedError('stripe_refused', `Stripe refused to list ${what}: ${error.message}`, { cause: error });
}

function headerOf(error: InstanceType<typeof Stripe.errors.StripeError>, name: string): string | undefined {
  const headers = (error as { headers?: Record<string, string> }).headers;
  return headers?.[name];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Every page of a Stripe list, one page at a time (memory stays flat however long the list), from
 * `startingAfter` when resuming. A page that says there is more but gives no last id to continue
 * from is refused: carrying on would skip or repeat objects.
 */
export async function* pagesOf<T extends { id: string }>(
  what: StripeList,
  fetchPage: (startingAfter: string | undefined) => Promise<ListPage<T>>,
  opts: CallOptions & { startingAfter?: string } = {},
): AsyncGenerator<T[]> {
  let after = opts.startingAfter;
  for (;;) {
    const page = await callStripe(what, () => fetchPage(after), opts);
    if (!Array.isArray(page.data))
      throw new StripeRefusedError('stripe_bad_page', `Stripe answered a page of ${what} without its data`);
    if (page.data.length > 0) yield page.data;
    if (!page.has_more) return;
    const last = page.data[page.data.length - 1];
    if (!last || typeof last.id !== 'string')
      throw new StripeRefusedError(
        'stripe_missing_cursor',
        `Stripe said there are more ${what} but gave no last id to continue from; nothing from the rest was read`,
      );
    after = last.id;
  }
}

/** Retrieves one object; null when Stripe has no such object (404), for this key's mode. */
export async function retrieveOrNull<T>(
  what: StripeList,
  call: () => Promise<T>,
  opts: CallOptions = {},
): Promise<T | null> {
  try {
    return await callStripe(what, call, opts);
  } catch (error) {
    const cause =
      error instanceof StripeRefusedError ? (error.cause as { statusCode?: number } | undefined) : undefined;
    if (cause?.statusCode === 404) return null;
    throw error;
  }
}
