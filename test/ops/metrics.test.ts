import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { stripeEvents, supporters } from '../../src/db/schema/index.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const TOKEN = 'metrics-token-for-tests-0123456789';

async function scrape(t: TestApp) {
  const res = await t.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: res.text, families: parsePrometheusTextFormat(res.text) };
}

/** The value of one sample of a family, found by its labels. */
function sample(
  families: ReturnType<typeof parsePrometheusTextFormat>,
  name: string,
  labels: Record<string, string> = {},
) {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  const found = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return found;
}

describe('GET /metrics', () => {
  it('is not there without METRICS_TOKEN', async () => {
    const t = createTestApp();
    expect((await t.http.get('/metrics')).status).toBe(404);
  });

  it('answers only its bearer token, and gives nothing away otherwise', async () => {
    const t = createTestApp({ env: { METRICS_TOKEN: TOKEN } });
    for (const header of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      const req = t.http.get('/metrics');
      const res = await (header ? req.set('Authorization', header) : req);
      expect(res.status, header).toBe(401);
      expect(res.text).not.toContain('socks_');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    }
  });

  it('refuses a token shorter than 24 characters at start', () => {
    expect(() => createTestApp({ env: { METRICS_TOKEN: 'short' } })).toThrow(/METRICS_TOKEN must be at least 24/);
  });

  it('counts webhooks by outcome, events by type and outcome, and requests by route pattern, never by path', async () => {
    const t = createTestApp({ env: { METRICS_TOKEN: TOKEN } });
    const event = checkoutCompleted({ email: 'ada@example.org', lines: [{ pairsPerUnit: 2 }] });
    expect((await t.deliver(event)).status).toBe(200);
    expect((await t.deliver(event)).status).toBe(200); // a duplicate
    expect((await t.deliver(event, { secret: 'whsec_not_ours' })).status).toBe(400);
    const before = await scrape(t);
    expect(sample(before.families, 'socks_events_waiting', { status: 'pending' })?.value).toBe('1');
    await t.settle();
    const token = t.ctx.db.select().from(supporters).get()!.token;
    expect((await t.http.get(`/impact/${token}`)).status).toBe(200);
    expect((await t.http.get(`/IMPACT/${token}x`)).status).toBe(404); // the route, in any case: a token it does not know
    expect((await t.http.get(`/no-such-page/${token}`)).status).toBe(404); // no route at all

    const { text, families } = await scrape(t);
    expect(sample(families, 'socks_webhooks_total', { outcome: 'stored' })?.value).toBe('1');
    expect(sample(families, 'socks_webhooks_total', { outcome: 'duplicate' })?.value).toBe('1');
    expect(sample(families, 'socks_webhooks_total', { outcome: 'rejected', reason: 'bad_signature' })?.value).toBe('1');
    expect(
      sample(families, 'socks_events_processed_total', { type: 'checkout.session.completed', outcome: 'processed' })
        ?.value,
    ).toBe('1');
    expect(sample(families, 'socks_events_waiting', { status: 'pending' })?.value).toBe('0');
    expect(sample(families, 'socks_event_processing_lag_seconds')?.value).toBe('0');
    // The receipt waits in the outbox (the test app sends nothing by itself).
    expect(sample(families, 'socks_emails', { state: 'queued' })?.value).toBe('1');
    // The parser folds a histogram's labelled series into one, so its count lines are read as written.
    expect(families.find((f) => f.name === 'socks_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(text).toContain(
      'socks_http_request_duration_seconds_count{method="GET",route="/impact/:token",status="200"} 1\n',
    );
    expect(text).toContain(
      'socks_http_request_duration_seconds_count{method="GET",route="/impact/:token",status="404"} 1\n',
    );
    expect(text).toContain(
      'socks_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1\n',
    );
    expect(text).not.toContain(token);
    // A new database's pages are still in its write-ahead log.
    expect(Number(sample(families, 'socks_database_bytes', { file: 'database' })?.value)).toBeGreaterThanOrEqual(4096);
    expect(Number(sample(families, 'socks_database_bytes', { file: 'wal' })?.value)).toBeGreaterThan(100_000);
    expect(Number(sample(families, 'socks_disk_free_bytes')?.value)).toBeGreaterThan(0);
    expect(families.map((f) => f.name)).toContain('nodejs_eventloop_lag_seconds');
    expect(sample(families, 'socks_backup_last_good_timestamp_seconds')?.value).toBe('0');
  });

  it('shows the age of the oldest due email and of events failing', async () => {
    const t = createTestApp({ env: { METRICS_TOKEN: TOKEN } });
    await t.deliver(checkoutCompleted({ email: 'ada@example.org', lines: [{ pairsPerUnit: 1 }] }));
    await t.settle();
    t.ctx.db
      .insert(stripeEvents)
      .values({
        id: 'evt_failing',
        type: 'checkout.session.completed',
        stripeCreated: 1,
        payload: '{}',
        status: 'failed',
        nextAttemptAt: t.clock.now(),
        receivedAt: t.clock.now(),
      })
      .run();
    t.clock.advance(90_000);
    const { families } = await scrape(t);
    expect(Number(sample(families, 'socks_email_oldest_due_seconds')?.value)).toBe(90);
    expect(Number(sample(families, 'socks_event_failing_seconds')?.value)).toBe(90);
    expect(sample(families, 'socks_events_waiting', { status: 'failed' })?.value).toBe('1');
  });
});
