import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { WEBHOOK_SECRET } from '../helpers/test-app.js';
import { readSyncState } from '../../src/stripe/sync-state.queries.js';
import { DAY_SECONDS, openShop } from '../helpers/stripe-shop.js';

const RECEIPTS = `select count(*) as n from email_outbox where idempotency_key like 'receipt:%'`;
const EVENTS = `select count(*) as n from stripe_events`;
const CAUGHT_UP = `select count(*) as n from stripe_events where source = 'catch_up'`;

describe('catching up on missed webhooks from the Events API', () => {
  it('recovers every sale of a four-day outage during a sale, once each, with one thank-you email each', async () => {
    const shop = await openShop({ pageSize: 7 });
    await shop.catchUp(); // the app was in step with Stripe before the outage
    shop.stripe.rateLimitEvery = 4; // Stripe throttles now and then: 429 with Retry-After
    const sales = Array.from({ length: 30 }, (_, i) =>
      shop.sell({ lines: [{ pairsPerUnit: 1 + (i % 3) }], createdSeconds: shop.nowSeconds() + i * 3 * 3600 }),
    );
    shop.t.clock.advance(4 * DAY_SECONDS * 1000);
    // Back up: Stripe's retries bring some sales by webhook, the catch-up the rest.
    for (const sale of sales.slice(20)) expect((await shop.t.deliver(sale.event)).status).toBe(200);

    const summary = await shop.catchUp();
    shop.stripe.rateLimitEvery = 0;
    await shop.t.settle();
    // A line-item fetch that met a 429 waits its turn (10 s) and is tried again.
    shop.t.clock.advance(60_000);
    await shop.t.settle();

    expect(summary).toMatchObject({ listed: 30, stored: 20, pages: 5, gap: null });
    expect(shop.stripe.throttled).toBeGreaterThan(0);
    expect(shop.stripe.requests.some((r) => r.includes('starting_after='))).toBe(true);
    expect(shop.t.totals()).toMatchObject({ pairs: 10 * (1 + 2 + 3), trapWeeks: 60 });
    expect(shop.count(RECEIPTS)).toBe(30);
    expect(shop.count(CAUGHT_UP)).toBe(20);

    // Stripe's own retries of the same events, and a second catch-up, change nothing.
    for (const sale of sales.slice(0, 5))
      expect((await shop.t.deliver(sale.event)).body).toMatchObject({ duplicate: true });
    expect(await shop.catchUp()).toMatchObject({ stored: 0 });
    await shop.t.settle();
    expect(shop.count(RECEIPTS)).toBe(30);
    expect(shop.count(EVENTS)).toBe(30);
    expect(shop.t.totals().pairs).toBe(60);
  });

  it('counts a sale once when its webhook arrives while the catch-up is fetching the same event', async () => {
    const shop = await openShop();
    await shop.catchUp();
    const sales = Array.from({ length: 8 }, () => shop.sell({ lines: [{ pairsPerUnit: 2 }] }));

    const [summary, ...answers] = await Promise.all([shop.catchUp(), ...sales.map((s) => shop.t.deliver(s.event))]);
    await shop.t.settle();

    const webhookNew = answers.filter((a) => a.status === 200 && a.body.duplicate === false).length;
    expect(summary.stored + webhookNew).toBe(8);
    expect(shop.count(EVENTS)).toBe(8);
    expect(shop.count(RECEIPTS)).toBe(8);
    expect(shop.t.totals().pairs).toBe(16);
  });

  it('recovers the sales of a day when the webhook secret was rotated wrongly', async () => {
    const shop = await openShop();
    await shop.catchUp();
    const sales = Array.from({ length: 5 }, (_, i) =>
      shop.sell({ lines: [{ pairsPerUnit: 1 }], createdSeconds: shop.nowSeconds() + i * 3600 }),
    );
    for (const sale of sales)
      expect((await shop.t.deliver(sale.event, { secret: 'whsec_the_wrong_one_pasted_in' })).status).toBe(400);
    shop.t.clock.advance(DAY_SECONDS * 1000);

    expect(await shop.catchUp()).toMatchObject({ stored: 5 });
    await shop.t.settle();

    expect(shop.t.totals().pairs).toBe(5);
    expect(shop.count(CAUGHT_UP)).toBe(5);
    expect(readSyncState(shop.t.ctx.db).lastFoundNewAt).toBe(shop.t.clock.now());
  });

  it('applies a refund made in the Stripe dashboard during an outage', async () => {
    const shop = await openShop();
    const sale = shop.sell({ lines: [{ pairsPerUnit: 3 }] });
    await shop.t.deliver(sale.event);
    await shop.t.settle();
    await shop.catchUp();
    expect(shop.t.totals().pairs).toBe(3);

    shop.t.clock.advance(3600_000);
    shop.refund(sale, sale.session.amount_total); // nobody delivered these
    shop.t.clock.advance(2 * DAY_SECONDS * 1000);
    expect(await shop.catchUp()).toMatchObject({ stored: 2 });
    await shop.t.settle();

    expect(shop.t.totals().pairs).toBe(0);
  });

  it('resumes a run cut short at the page it reached', async () => {
    const shop = await openShop({ pageSize: 3 });
    await shop.catchUp();
    Array.from({ length: 10 }, (_, i) => shop.sell({ createdSeconds: shop.nowSeconds() + i }));
    shop.t.clock.advance(60_000);

    let pages = 0;
    const first = await shop.catchUp({ shouldStop: () => ++pages === 2 });
    const cursor = readSyncState(shop.t.ctx.db).pageAfter;
    const second = await shop.catchUp();
    await shop.t.settle();

    expect(first).toMatchObject({ isStopped: true, stored: 6 });
    expect(cursor).toMatch(/^evt_/);
    expect(second).toMatchObject({ isResumed: true, stored: 4, listed: 4 });
    expect(shop.stripe.requests.filter((r) => r.startsWith('GET /v1/events')).at(-2)).toContain(
      `starting_after=${cursor}`,
    );
    expect(readSyncState(shop.t.ctx.db)).toMatchObject({ pageAfter: null, runFrom: null });
    expect(shop.t.totals().pairs).toBe(10);
  });

  it('keeps what it stored and resumes when Stripe goes down mid-run', async () => {
    const shop = await openShop({ pageSize: 2 });
    await shop.catchUp();
    Array.from({ length: 6 }, (_, i) => shop.sell({ createdSeconds: shop.nowSeconds() + i }));
    shop.t.clock.advance(60_000);

    let pages = 0;
    const failed = await shop
      .catchUp({ attempts: 2, onPage: () => void (++pages === 2 && (shop.stripe.isDown = true)) })
      .catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/failed 2 times/);
    expect(shop.count(EVENTS)).toBe(4);
    expect(readSyncState(shop.t.ctx.db).lastError).toMatch(/failed 2 times/);

    shop.stripe.isDown = false;
    expect(await shop.catchUp()).toMatchObject({ isResumed: true, stored: 2 });
    await shop.t.settle();
    expect(shop.t.totals().pairs).toBe(6);
  });

  it('starts a new install with the 30 days Stripe keeps, and no gap to report', async () => {
    const shop = await openShop();
    shop.sell({ createdSeconds: shop.nowSeconds() - 29 * DAY_SECONDS });

    expect(await shop.catchUp()).toMatchObject({ from: shop.nowSeconds() - 30 * DAY_SECONDS, gap: null, stored: 1 });
  });

  it('says loudly that a gap older than 30 days cannot be filled from events', async () => {
    const shop = await openShop();
    await shop.catchUp();
    shop.t.clock.advance(40 * DAY_SECONDS * 1000);

    const summary = await shop.catchUp();

    expect(summary.gap).not.toBeNull();
    expect(summary.from).toBe(shop.nowSeconds() - 30 * DAY_SECONDS);
  });
});

describe('catch-up refuses bad input and writes nothing', () => {
  it('refuses a page holding an event that is not a valid event, storing none of that page', async () => {
    const shop = await openShop();
    await shop.catchUp();
    Array.from({ length: 3 }, () => shop.sell());
    shop.stripe.tamperPage = (_path, page) => ({
      ...page,
      data: [page.data[0]!, { id: 'evt_broken', object: 'event' }],
    });

    const error = await shop.catchUp().catch((e: Error) => e);

    expect((error as Error).message).toMatch(/Stripe listed event evt_broken that is not a valid event/);
    expect(shop.count(EVENTS)).toBe(0);
  });

  it('refuses a page that says there is more but gives no cursor', async () => {
    const shop = await openShop();
    await shop.catchUp();
    shop.sell();
    shop.stripe.tamperPage = () => ({ data: [], has_more: true });

    const error = await shop.catchUp().catch((e: Error) => e);

    expect((error as Error).message).toMatch(/no last id to continue from/);
    expect(shop.count(EVENTS)).toBe(0);
  });

  it('starts the window again when Stripe no longer knows the cursor it was resuming from', async () => {
    const shop = await openShop({ pageSize: 1 });
    await shop.catchUp();
    shop.sell();
    shop.sell();
    await shop.catchUp({ shouldStop: () => true });
    const db = shop.t.ctx.db;
    const { updateSyncState } = await import('../../src/stripe/sync-state.queries.js');
    updateSyncState(db, { pageAfter: 'evt_gone' });

    const error = await shop.catchUp().catch((e: Error) => e);
    expect((error as Error).message).toMatch(/No such event: 'evt_gone'/);
    expect(readSyncState(db).pageAfter).toBeNull();
    expect(await shop.catchUp()).toMatchObject({ isResumed: false, stored: 1 });
  });

  it('names the permission a restricted key lacks', async () => {
    const shop = await openShop();
    shop.stripe.forbidden.add('events');

    const error = await shop.catchUp().catch((e: Error) => e);

    expect((error as Error).message).toBe(
      'STRIPE_SECRET_KEY may not list events: give the key the "Events: Read" permission in the Stripe dashboard (Developers → API keys)',
    );
    expect(shop.count(EVENTS)).toBe(0);
  });
});

describe('stripe:sync and the server job', () => {
  const envOf = (shop: Awaited<ReturnType<typeof openShop>>) => ({
    DATABASE_PATH: shop.t.databasePath,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_SECRET_KEY: 'sk_test_shop',
    STRIPE_API_URL: shop.stripe.url,
  });

  it('stripe:sync stores and processes what webhooks missed, and says so', async () => {
    const shop = await openShop();
    await shop.catchUp();
    shop.sell({ lines: [{ pairsPerUnit: 2 }], createdSeconds: shop.nowSeconds() + 1 });
    await shop.t.close(); // the CLI works on the database itself

    const result = await runCli(['stripe:sync'], envOf(shop));

    expect(result.stderr).toContain('progress: page 1, 1 events listed, 1 new');
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toMatch(/1 events listed, 1 not delivered by webhook were stored and processed/);
  });

  it('stripe:sync --since a day older than 30 days warns and names the months to check', async () => {
    const shop = await openShop();
    await shop.t.close();
    const day = new Date(Date.now() - 45 * 86_400_000).toISOString().slice(0, 10);

    const result = await runCli(['stripe:sync', '--since', day], envOf(shop));

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`WARNING: events from ${day}`);
    expect(result.stderr).toContain(`stripe:reconcile --period ${day.slice(0, 7)} --apply`);
  });

  it('stripe:sync refuses a malformed --since, and a key without permission, with a clear message', async () => {
    const shop = await openShop();
    await shop.t.close();
    shop.stripe.forbidden.add('events');

    const badDay = await runCli(['stripe:sync', '--since', '2026-02-30'], envOf(shop));
    const forbidden = await runCli(['stripe:sync'], envOf(shop));

    expect(badDay).toMatchObject({ code: 64, stderr: '--since must be a day, YYYY-MM-DD (got "2026-02-30")\n' });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('"Events: Read" permission');
  });

  it('the server catches up by itself every STRIPE_SYNC_INTERVAL', async () => {
    const shop = await openShop({ env: { STRIPE_SYNC_INTERVAL: '15m' } });
    const sale = shop.sell({ lines: [{ pairsPerUnit: 4 }] });
    expect(shop.t.ctx.catchUp).not.toBeNull();

    shop.t.ctx.events.start();
    shop.t.ctx.catchUp!.start();

    await expect.poll(() => shop.count(`select count(*) as n from orders where status = 'paid' and pairs = 4`)).toBe(1);
    expect(
      shop.count(`select count(*) as n from stripe_events where id = '${sale.event.id}' and source = 'catch_up'`),
    ).toBe(1);
  });
});
