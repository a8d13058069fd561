import { checkoutSession, signPayload, stripeEvent } from '../stripe/simulated-events.js';
import { parseOptions, type Command } from './command.js';
import { UsageError } from '../errors.js';

export const simulatePurchaseCommand: Command = {
  summary:
    'simulate:purchase [--email E] [--pairs N] [--quantity N] [--currency gbp] [--url U]: sign ' +
    'and post a paid checkout to a running app',
  async run(args, config) {
    const { values } = parseOptions(args, {
      email: { type: 'string', default: 'shopper@example.org' },
      name: { type: 'string' },
      pairs: { type: 'string', default: '3' },
      quantity: { type: 'string', default: '1' },
      currency: { type: 'string', default: 'gbp' },
      url: { type: 'string', default: `http://127.0.0.1:${config.port}/webhooks/stripe` },
    });
    const pairsPerUnit = positiveInteger(values.pairs, '--pairs');
    const quantity = positiveInteger(values.quantity, '--quantity');
    if (!/^[a-z]{3}$/i.test(values.currency))
      throw new UsageError('usage', '--currency must be a three-letter code such as gbp');
    // No Stripe account stands behind a simulated purchase, so its line items travel inside it.
    const session = checkoutSession({
      email: values.email,
      name: values.name ?? null,
      currency: values.currency.toLowerCase(),
      lines: [{ pairsPerUnit, quantity }],
      embedLineItems: true,
    });
    const payload = JSON.stringify(stripeEvent('checkout.session.completed', session), null, 2);
    const response = await fetch(values.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signPayload(payload, config.secrets.stripeWebhookSecrets[0]!),
      },
      body: payload,
    }).catch((error: Error) => {
      throw new Error(`could not reach ${values.url} (${error.message}); is the app running (npm start)?`);
    });
    const body = await response.text();
    process.stdout.write(
      `${response.status} ${body}\nsimulated ${session.id}: ${quantity} × ${pairsPerUnit}-pack for ${values.email}\n`,
    );
    return response.ok ? 0 : 1;
  },
};

function positiveInteger(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new UsageError('usage', `${name} must be a whole number from 1 to 1000`);
  return n;
}
