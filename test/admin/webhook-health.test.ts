import { describe, expect, it } from 'vitest';
import { staffBrowser } from '../helpers/staff-console.js';
import { DAY_SECONDS, openShop } from '../helpers/stripe-shop.js';

describe('webhook health on the dashboard', () => {
  it('shows the last event by webhook and by catch-up, and the deliveries Stripe failed to make', async () => {
    const shop = await openShop();
    const delivered = shop.sell();
    await shop.t.deliver(delivered.event);
    const missed = [shop.sell(), shop.sell()];
    await shop.catchUp();
    const browser = await staffBrowser(shop.t, 'staff');

    const page = (await browser.get('/admin')).text;

    expect(page).toMatch(/<strong>2<\/strong> events caught up that no webhook delivered/);
    for (const sale of missed) expect(page).toContain(sale.event.id);
    expect(page).not.toContain(`>${delivered.event.id}<`);
    expect(page).not.toContain('id="webhook-quiet"');
  });

  it('warns when no webhook has come for STRIPE_QUIET_HOURS while the catch-up finds new events', async () => {
    const shop = await openShop({ env: { STRIPE_QUIET_HOURS: '12' } });
    await shop.t.deliver(shop.sell().event);
    shop.t.clock.advance(13 * 3600_000);
    const browser = await staffBrowser(shop.t, 'staff');
    expect((await browser.get('/admin')).text).not.toContain('id="webhook-quiet"'); // quiet, but nothing missed

    shop.sell(); // a sale whose webhook never comes
    await shop.catchUp();

    expect((await browser.get('/admin')).text).toContain(
      'No webhook has arrived for 12 hours, but the catch-up keeps finding new events.',
    );
    shop.t.clock.advance(DAY_SECONDS * 1000);
    await shop.t.deliver(shop.sell().event); // the endpoint is mended
    expect((await browser.get('/admin')).text).not.toContain('id="webhook-quiet"');
  });
});
