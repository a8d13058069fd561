import { randomBytes } from 'node:crypto';
import { checkoutSession, signPayload, stripeEvent } from '../src/stripe/simulated-events.js';

/**
 * Signed, distinct `checkout.session.completed` events, cheap enough to make one per request.
 * The shapes come from src/stripe/simulated-events.ts once; each event then only swaps its ids
 * and shopper into the serialised template and is signed with the stripe library, as Stripe would.
 *
 * Event i buys (1 + i % 3)-packs, quantity 1 + i % 2, for shopper i % shoppers: repeat customers,
 * and an exact expectation for the totals once everything stored has been processed.
 */
export class CheckoutEventSource {
  readonly tag = randomBytes(4).toString('hex');
  private nextIndex = 0;
  private readonly templates: string[][];

  constructor(
    private readonly secret: string,
    readonly shoppers = 10_000,
  ) {
    // i % 6 fixes both i % 3 and i % 2, so six templates cover every combination.
    this.templates = Array.from({ length: 6 }, (_, variant) => {
      const pairsPerUnit = 1 + (variant % 3);
      const session = checkoutSession({
        sessionId: '@@session@@',
        paymentIntentId: '@@intent@@',
        email: '@@email@@',
        lines: [
          {
            pairsPerUnit,
            quantity: 1 + (variant % 2),
            priceId: `price_socks_${pairsPerUnit}`,
            productId: `prod_socks_${pairsPerUnit}`,
          },
        ],
        // The benchmark measures the app, not a Stripe stand-in: the items travel inside the event.
        embedLineItems: true,
      });
      session.line_items!.data[0]!.id = '@@line@@';
      return JSON.stringify(stripeEvent('checkout.session.completed', session, { id: '@@event@@' })).split(/@@(\w+)@@/);
    });
  }

  /** The next event: its index, body and Stripe-Signature header (signed now). */
  next(): { index: number; body: string; signature: string } {
    const index = this.nextIndex++;
    const values: Record<string, string> = {
      event: this.eventId(index),
      session: `cs_test_bench_${this.tag}_${index}`,
      intent: `pi_bench_${this.tag}_${index}`,
      line: `li_bench_${this.tag}_${index}`,
      email: `shopper${index % this.shoppers}@example.org`,
    };
    const parts = this.templates[index % 6]!;
    let body = '';
    for (let i = 0; i < parts.length; i++) body += i % 2 === 0 ? parts[i] : values[parts[i]!];
    return { index, body, signature: signPayload(body, this.secret) };
  }

  eventId(index: number): string {
    return `evt_bench_${this.tag}_${index}`;
  }

  indexOf(eventId: string): number | null {
    const prefix = `evt_bench_${this.tag}_`;
    return eventId.startsWith(prefix) ? Number(eventId.slice(prefix.length)) : null;
  }

  pairsOf(index: number): number {
    return (1 + (index % 3)) * (1 + (index % 2));
  }

  shopperOf(index: number): number {
    return index % this.shoppers;
  }

  /** What the ledger must say once exactly these events have been processed (one trap-week a pair). */
  expectedTotals(indexes: Iterable<number>): { pairs: number; trapWeeks: number; supporters: number } {
    let pairs = 0;
    const shoppers = new Set<number>();
    for (const index of indexes) {
      pairs += this.pairsOf(index);
      shoppers.add(this.shopperOf(index));
    }
    return { pairs, trapWeeks: pairs, supporters: shoppers.size };
  }
}
