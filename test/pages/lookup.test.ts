import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { emailOutbox } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { html } from '../helpers/html.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestApp } from '../helpers/test-app.js';
import { buy, tokenOf } from './shoppers.js';

let sink: SmtpSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

/**
 * A test app whose log lines we can read (the lookup's outcome is logged, never shown) and whose
 * outbox we can see; the lookup runs after its answer has gone (a second later, or when a test
 * drains the queue).
 */
function appWithLog(env: Record<string, string> = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {}, (line) => void lines.push(JSON.parse(line)));
  const t = createTestApp({ env, overrides: { logger } });
  const outcomes = () => lines.filter((l) => l.msg === 'impact link requested').map((l) => l.result);
  const linkEmails = () => t.ctx.db.select().from(emailOutbox).where(eq(emailOutbox.kind, 'impact_link')).all();
  return { t, outcomes, linkEmails };
}

/** Posts the form and follows the answer's redirect, as a browser does. */
const lookup = (t: ReturnType<typeof createTestApp>, email: string, client = '203.0.113.7') =>
  t.http.post('/impact/lookup').set('x-forwarded-for', client).type('form').send({ email }).redirects(1);

describe('POST /impact/lookup', () => {
  it('gives the same answer whether or not we know the address', async () => {
    const { t, outcomes } = appWithLog();
    await buy(t, { email: 'ada@example.org' });
    await t.settle();

    const post = (email: string) => t.http.post('/impact/lookup').type('form').send({ email });
    const known = await post(' Ada@Example.org ');
    const unknown = await post('nobody@example.org');

    // Post, then redirect: the very same redirect for both, and reloading the page it leads to posts nothing again.
    expect(known.status).toBe(303);
    expect(known.headers.location).toBe('/impact/lookup/sent');
    expect(known.text).toBe(unknown.text);
    const { date: _d1, 'x-request-id': _r1, ...knownHeaders } = known.headers;
    const { date: _d2, 'x-request-id': _r2, ...unknownHeaders } = unknown.headers;
    expect(knownHeaders).toEqual(unknownHeaders);
    const landing = await t.http.get(known.headers.location!);
    expect(landing.status).toBe(200);
    expect(html(landing.text).text('[role=status]')).toBe(
      'Thank you. If we know this address, a link to your own impact page is on its way.',
    );
    await t.ctx.linkRequests.drain();
    expect(outcomes()).toEqual(['queued', 'unknown_address']);
  });

  it('looks at no address while answering, known or not: the lookup happens later, away from any request', async () => {
    const { t, outcomes, linkEmails } = appWithLog();
    await buy(t, { email: 'ada@example.org' });
    await t.settle();

    await lookup(t, 'ada@example.org').expect(200);
    expect([t.ctx.linkRequests.size, linkEmails().length, outcomes().length]).toEqual([1, 0, 0]);
    await lookup(t, 'nobody@example.org').expect(200);
    expect([t.ctx.linkRequests.size, linkEmails().length, outcomes().length]).toEqual([2, 0, 0]);

    await t.ctx.linkRequests.drain();
    expect(outcomes()).toEqual(['queued', 'unknown_address']);
    expect(linkEmails().map((m) => m.recipient)).toEqual(['ada@example.org']);
  });

  it('emails a known shopper their link through the outbox, and the link opens their page', async () => {
    sink = await startSmtpSink();
    const { t, linkEmails } = appWithLog({ SMTP_URL: sink.url });
    await buy(t, { email: 'ada@example.org', name: 'Ada', pairsPerUnit: 3 });
    await t.settle();

    await lookup(t, 'ADA@example.org').expect(200);
    await t.ctx.linkRequests.drain();
    expect(linkEmails()).toHaveLength(1);
    await t.ctx.mail.outbox.drain();

    const mails = (await sink.waitFor(2)).filter(
      (m) => m.parsed.subject === 'Your Critically Endangered Socks impact page',
    ); // and the receipt
    expect(mails).toHaveLength(1);
    expect(mails[0]!.rcptTo).toEqual(['ada@example.org']);
    const link = `http://socks.test/impact/${tokenOf(t, 'ada@example.org')}`;
    expect(mails[0]!.parsed.text).toContain(link);
    const page = await t.http.get(new URL(link).pathname);
    expect(html(page.text).text('[data-figure=trap-weeks]')).toBe('3 camera-trap-weeks funded');
  });

  it('asks again, escaped, for something that is not an email address', async () => {
    const { t, outcomes, linkEmails } = appWithLog();

    const res = await lookup(t, '"><script>alert(1)</script>');

    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<script>alert(1)');
    const page = html(res.text);
    expect(page.text('.field-error')).toBe(
      'Please enter the email address you used at checkout, like name@example.org.',
    );
    expect(page.select('input[name=email]').attrs.value).toBe('"><script>alert(1)</script>');
    expect(page.select('input[name=email]').attrs['aria-invalid']).toBe('true');
    expect(page.text('title')).toMatch(/^Error: /); // the first thing a screen reader announces
    await t.ctx.linkRequests.drain();
    expect(outcomes()).toEqual([]);
    expect(linkEmails()).toEqual([]);
  });

  it('sends at most three links an hour to one address, answering the same every time', async () => {
    const { t, linkEmails } = appWithLog();
    await buy(t, { email: 'ada@example.org' });
    await t.settle();

    const answers = [];
    for (const client of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'])
      answers.push(await lookup(t, 'ada@example.org', client));

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    await t.ctx.linkRequests.drain();
    expect(linkEmails().map((m) => m.recipient)).toEqual(['ada@example.org', 'ada@example.org', 'ada@example.org']);

    t.clock.advance(60 * 60_000);
    await lookup(t, 'ADA@example.org', '198.51.100.5').expect(200);
    await t.ctx.linkRequests.drain();
    expect(linkEmails()).toHaveLength(4);
  });

  it('counts an IPv6 client by its /64, so changing address within it does not get round the limit', async () => {
    const { t } = appWithLog();

    const statuses = [];
    for (let i = 1; i <= 10; i++)
      statuses.push((await lookup(t, `guess${i}@example.org`, `2001:db8:7:7::${i.toString(16)}`)).status);
    const eleventh = await lookup(t, 'guess11@example.org', '2001:db8:7:7:ffff:1:2:3');
    const neighbour = await lookup(t, 'guess12@example.org', '2001:db8:7:8::1'); // another /64: another household

    expect(statuses).toEqual(Array(10).fill(200));
    expect(eleventh.status).toBe(429);
    expect(neighbour.status).toBe(200);
  });

  it('slows down one client trying many addresses, and lets it back after a while', async () => {
    const { t } = appWithLog();

    const statuses = [];
    for (let i = 1; i <= 10; i++) statuses.push((await lookup(t, `guess${i}@example.org`)).status);
    const eleventh = await lookup(t, 'guess11@example.org');
    const otherClient = await lookup(t, 'guess12@example.org', '192.0.2.55');

    expect(statuses).toEqual(Array(10).fill(200));
    expect(eleventh.status).toBe(429);
    expect(eleventh.headers['retry-after']).toBe('900');
    expect(html(eleventh.text).text('h1')).toBe('Please slow down');
    expect(html(eleventh.text).text('main p')).toBe('Too many attempts. Please try again in 15 minutes.');
    expect(otherClient.status).toBe(200);

    t.clock.advance(15 * 60_000);
    expect((await lookup(t, 'guess13@example.org')).status).toBe(200);
  });

  it('refuses a form posted from another site', async () => {
    const { t, linkEmails } = appWithLog();
    await buy(t, { email: 'ada@example.org' });
    await t.settle();

    const res = await t.http
      .post('/impact/lookup')
      .set('sec-fetch-site', 'cross-site')
      .type('form')
      .send({ email: 'ada@example.org' });
    // An opaque origin (a sandboxed frame on any site): our own public pages always send a real one.
    const opaque = await t.http
      .post('/impact/lookup')
      .set('origin', 'null')
      .type('form')
      .send({ email: 'ada@example.org' });
    const ours = await t.http
      .post('/impact/lookup')
      .set('origin', 'http://socks.test')
      .type('form')
      .send({ email: 'grace@example.org' });

    expect(res.status).toBe(403);
    expect(opaque.status).toBe(403);
    expect(ours.status).toBe(303);
    await t.ctx.linkRequests.drain();
    expect(linkEmails()).toEqual([]);
  });

  it('GET /impact/lookup shows the form on its own', async () => {
    const { t } = appWithLog();
    const res = await t.http.get('/impact/lookup');
    expect(res.status).toBe(200);
    expect(html(res.text).select('form').attrs.action).toBe('/impact/lookup');
  });
});
