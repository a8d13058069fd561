import { describe, expect, it } from 'vitest';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { appSendingTo, htmlLinks, outboxRows, smtpSink, supporterToken } from './mail-test-kit.js';

describe('the purchase email', () => {
  it('thanks a shopper once, with their impact, however often Stripe delivers the purchase', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink);
    const event = checkoutCompleted({ email: 'ada@example.org', name: 'Ada Lovelace', lines: [{ pairsPerUnit: 3 }] });

    await t.deliver(event);
    await Promise.all([t.deliver(event), t.deliver(event)]);
    await t.settle();
    await t.ctx.mail.outbox.drain();
    await t.deliver(event);
    await t.settle();
    await t.ctx.mail.outbox.drain();

    expect(sink.received).toHaveLength(1);
    const [mail] = sink.received;
    expect(mail!.rcptTo).toEqual(['ada@example.org']);
    expect(mail!.parsed.to).toMatchObject({ value: [{ address: 'ada@example.org', name: 'Ada Lovelace' }] });
    expect(mail!.parsed.subject).toBe('Thank you: your socks keep a camera trap watching');
    const impactUrl = `http://socks.test/impact/${supporterToken(t, 'ada@example.org')}`;
    expect(mail!.parsed.text).toContain('Your 3 pairs will keep a camera trap watching for 3 weeks');
    expect(mail!.parsed.text).toContain(`See your impact: ${impactUrl}\n`);
    expect(mail!.parsed.html).toContain('Your 3 pairs will keep a camera trap watching for <strong>3 weeks</strong>');
    expect(htmlLinks(mail!)).toEqual([impactUrl, impactUrl]);
    expect(outboxRows(t)).toMatchObject([
      { kind: 'receipt', state: 'sent', attempts: 1, messageId: mail!.parsed.messageId },
    ]);
    const page = await t.http.get(new URL(impactUrl).pathname);
    expect(page.status).toBe(200);
    expect(page.text).toContain('a***@example.org');
  });

  it('makes no promise of one week per pair that the conversion rule in force does not keep', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { env: { TRAP_WEEKS_PER_PAIR: '2' } });

    await t.deliver(checkoutCompleted({ email: 'grace@example.org', lines: [{ pairsPerUnit: 3 }] }));
    await t.settle();
    await t.ctx.mail.outbox.drain();

    const [mail] = sink.received;
    expect(mail!.parsed.text).toContain('Your 3 pairs will keep a camera trap watching for 6 weeks');
    expect(mail!.parsed.text).toContain('every pair powers a camera trap in Land of Leopard National Park');
    expect(`${mail!.parsed.text}${mail!.parsed.html}`).not.toMatch(/for a week|one week/);
  });
});
