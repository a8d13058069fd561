import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, emailOutbox, erasedEmails, retiredTokens, supporters } from '../../src/db/schema/index.js';
import { runMonthlyEmails } from '../../src/email/monthly-run.js';
import { closeMonth } from '../../src/reconciliation/close-month.js';
import { COMMAND_LINE, type Actor } from '../../src/staff/audit-log.js';
import { requeueEvents } from '../../src/stripe/events.queries.js';
import { eraseSupporter } from '../../src/supporters/erase-supporter.js';
import { erasedEmailHash, findSupporterById, rotateSupporterToken } from '../../src/supporters/supporters.queries.js';
import { ConflictError } from '../../src/errors.js';
import { chargeRefunded, stripeEvent } from '../helpers/stripe-events.js';
import { TestClock } from '../helpers/test-clock.js';
import { appSendingTo, outboxRows, receivedWith, smtpSink } from '../email/mail-test-kit.js';
import { accounts, ADA, buyAt, everythingStored, snapshotDatabase, supporterOf } from './privacy-kit.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const DAY = 86_400_000;
const OCTOBER_15 = Date.UTC(2026, 9, 15, 10);
const STAFF: Actor = { staffId: null, email: 'kit@socks.test' };

/**
 * Ada buys twice in October (one receipt sent, the second still queued), asks for her link by email,
 * replaces her link once; Grace buys too. In November October is closed and its monthly emails
 * (List-Unsubscribe and all) are queued, not sent.
 */
async function octoberAndNovember(t: TestApp) {
  const first = await buyAt(t, { ...ADA, pairs: 2 });
  await t.ctx.mail.outbox.drain();
  t.clock.advance(DAY);
  const second = await buyAt(t, { ...ADA, pairs: 1, quantity: 2 });
  await t.deliver(chargeRefunded(second, 1200, Math.floor(t.clock.now() / 1000)));
  await t.settle();
  await buyAt(t, { email: 'grace@example.org', name: 'Grace Hopper', pairs: 3 });
  const ada = supporterOf(t, ADA.email);
  t.ctx.mail.mailer.queueImpactLink(t.ctx.db, ada, 'req-1');
  const retiredToken = ada.token;
  rotateSupporterToken(t.ctx.db, ada, t.clock.now());
  t.clock.advance(26 * DAY); // 10 November
  closeMonth(t.ctx.db, '2026-10', COMMAND_LINE, t.clock.now());
  await runMonthlyEmails({ db: t.ctx.db, mailer: t.ctx.mail.mailer, clock: t.clock }, { period: '2026-10' });
  t.clock.advance(60_000);
  return { first, second, ada: supporterOf(t, ADA.email), retiredToken };
}

function erase(t: TestApp, supporterId: number, reason = 'She asked us to, by email on 9 November') {
  return eraseSupporter(t.ctx.db, { supporterId, reason, confirmEmail: 'Ada@Example.org ' }, STAFF, t.clock.now());
}

describe('erasing a buyer', () => {
  it('forgets their address, name, links and emails, and moves nothing the accounts say', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { clock: new TestClock(OCTOBER_15) });
    const { ada, retiredToken } = await octoberAndNovember(t);
    const graceRows = outboxRows(t).filter((row) => row.recipient === 'grace@example.org');
    const before = accounts(t);
    expect(everythingStored(t)).toContain('Lovelace'); // the check below can see her

    const summary = erase(t, ada.id);

    expect(summary).toEqual({ supporterId: ada.id, orders: 2, emailsEmptied: 4, stripeEventsCleaned: 2 });
    expect(accounts(t)).toEqual(before);
    const stored = everythingStored(t);
    for (const trace of [ADA.email, 'Lovelace', ada.token, retiredToken]) expect(stored).not.toContain(trace);
    expect(stored).toContain('grace@example.org');
    expect(findSupporterById(t.ctx.db, ada.id)).toMatchObject({
      email: `erased-${ada.id}@erased.invalid`,
      name: null,
      isSubscribed: false,
      erasedAt: t.clock.now(),
    });
    expect(t.ctx.db.select().from(erasedEmails).all()).toEqual([
      { id: 1, emailHash: erasedEmailHash(ADA.email), supporterId: ada.id, erasedAt: t.clock.now() },
    ]);
    expect(t.ctx.db.select().from(retiredTokens).all()).toEqual([]);
    const audit = t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'supporter.erase')).all();
    expect(audit).toMatchObject([{ actor: 'kit@socks.test', subject: `supporter:${ada.id}` }]);
    expect(JSON.parse(audit[0]!.after!)).toMatchObject({ reason: 'She asked us to, by email on 9 November' });

    const adaRows = outboxRows(t).filter((row) => row.supporterId === ada.id);
    expect(adaRows.map((row) => [row.kind, row.state])).toEqual([
      ['receipt', 'sent'],
      ['receipt', 'dead'],
      ['impact_link', 'dead'],
      ['monthly', 'dead'],
    ]);
    for (const row of adaRows)
      expect(row).toMatchObject({
        recipient: `erased-${ada.id}@erased.invalid`,
        recipientName: null,
        textBody: '',
        htmlBody: '',
        headers: null,
        bodyPrunedAt: expect.any(Number),
      });
    expect(outboxRows(t).filter((row) => row.recipient === 'grace@example.org')).toEqual(graceRows);

    await t.ctx.mail.outbox.drain();
    expect(sink.received.flatMap((mail) => mail.rcptTo)).toEqual([
      'ada@example.org',
      'grace@example.org',
      'grace@example.org',
    ]);
    expect(receivedWith(sink, /impact/i).map((mail) => mail.rcptTo)).not.toContainEqual([ADA.email]);
  });

  it('refuses twice, without a reason, with the wrong address typed, or for nobody, and changes nothing', async () => {
    const t = createTestApp({ clock: new TestClock(OCTOBER_15) });
    await buyAt(t, { ...ADA });
    const ada = supporterOf(t, ADA.email);
    const attempt = (request: Partial<Parameters<typeof eraseSupporter>[1]>) => () =>
      eraseSupporter(
        t.ctx.db,
        { supporterId: ada.id, reason: 'asked', confirmEmail: ADA.email, ...request },
        STAFF,
        t.clock.now(),
      );
    const untouched = snapshotDatabase(t);

    expect(attempt({ reason: '  ' })).toThrow(expect.objectContaining({ code: 'reason_required' }));
    expect(attempt({ reason: 'x'.repeat(501) })).toThrow(expect.objectContaining({ code: 'reason_too_long' }));
    expect(attempt({ confirmEmail: 'grace@example.org' })).toThrow(
      expect.objectContaining({ code: 'confirmation_mismatch' }),
    );
    expect(attempt({ confirmEmail: '' })).toThrow(expect.objectContaining({ code: 'confirmation_mismatch' }));
    expect(attempt({ supporterId: ada.id + 1 })).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(snapshotDatabase(t)).toEqual(untouched);

    t.clock.advance(60_000);
    attempt({})();
    const erased = snapshotDatabase(t);
    expect(attempt({ confirmEmail: `erased-${ada.id}@erased.invalid` })).toThrow(ConflictError);
    expect(attempt({})).toThrow(expect.objectContaining({ code: 'already_erased' }));
    expect(snapshotDatabase(t)).toEqual(erased);
  });
});

describe('nothing brings an erased buyer back', () => {
  it('replaying every stored event, or a late copy of their checkout, credits the erased record and writes nothing personal', async () => {
    const t = createTestApp({ clock: new TestClock(OCTOBER_15) });
    const first = await buyAt(t, { ...ADA, pairs: 2 });
    const ada = supporterOf(t, ADA.email);
    t.clock.advance(60_000);
    erase(t, ada.id);
    const supportersBefore = t.ctx.db.select().from(supporters).all();
    const before = accounts(t);
    const emailsBefore = outboxRows(t).length;

    requeueEvents(t.ctx.db, t.clock.now());
    await t.settle();
    // Stripe sends the same checkout again, as a new event: full details, dated before the erasure.
    const late = stripeEvent('checkout.session.async_payment_succeeded', first.session, {
      createdSeconds: Math.floor(OCTOBER_15 / 1000) + 5,
    });
    expect((await t.deliver(late)).status).toBe(200);
    await t.settle();

    expect(t.ctx.db.select().from(supporters).all()).toEqual(supportersBefore);
    expect(accounts(t)).toEqual(before);
    expect(outboxRows(t)).toHaveLength(emailsBefore);
    expect(everythingStored(t)).not.toContain(ADA.email);
    expect(everythingStored(t)).not.toContain('Lovelace');
  });

  it('credits a purchase begun before the erasure to the erased record, and one begun after to a fresh supporter', async () => {
    const t = createTestApp({ clock: new TestClock(OCTOBER_15) });
    await buyAt(t, { ...ADA, pairs: 2 });
    const ada = supporterOf(t, ADA.email);
    const begunBefore = t.clock.now() + 30_000;
    t.clock.advance(60_000);
    erase(t, ada.id);

    // Begun a moment before the erasure, its webhook held up: still the erased buyer's purchase.
    const held = await buyAt(t, { ...ADA, pairs: 4, atMs: begunBefore });
    // Refunded after the erasure, with billing details on the charge: the amounts count, the details go.
    const refund = chargeRefunded(held, 1200, Math.floor(t.clock.now() / 1000));
    Object.assign(refund.data.object, { billing_details: { email: ADA.email, name: ADA.name } });
    await t.deliver(refund);
    await t.settle();
    expect(findSupporterById(t.ctx.db, ada.id)).toMatchObject({ name: null, email: `erased-${ada.id}@erased.invalid` });
    expect(
      t.ctx.database.sqlite.prepare('select pairs from supporter_totals where supporter_id = ?').pluck().get(ada.id),
    ).toBe(2 + 0); // four pairs bought, refunded in full
    expect(outboxRows(t, 'receipt')).toHaveLength(1); // the one from before the erasure, emptied
    expect(everythingStored(t)).not.toContain(ADA.email);

    t.clock.advance(DAY);
    await buyAt(t, { ...ADA, pairs: 1 });
    const fresh = supporterOf(t, ADA.email);
    expect(fresh.id).not.toBe(ada.id);
    expect(fresh).toMatchObject({ name: ADA.name, erasedAt: null });
    expect(outboxRows(t, 'receipt').map((row) => row.recipient)).toEqual([
      `erased-${ada.id}@erased.invalid`,
      ADA.email,
    ]);
    expect((await t.http.get(`/impact/${fresh.token}`)).status).toBe(200);
    expect(t.totals()).toMatchObject({ pairs: 3, supporters: 2 });
  });

  it('never writes to an erased buyer: no monthly email, and one queued before the erasure never goes', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { clock: new TestClock(OCTOBER_15) });
    await buyAt(t, { ...ADA, pairs: 2 });
    await buyAt(t, { email: 'grace@example.org', pairs: 1 });
    const ada = supporterOf(t, ADA.email);
    t.clock.advance(20 * DAY);
    erase(t, ada.id);

    const summary = await runMonthlyEmails(
      { db: t.ctx.db, mailer: t.ctx.mail.mailer, clock: t.clock },
      { period: '2026-10' },
    );
    await t.ctx.mail.outbox.drain();

    expect(summary).toMatchObject({ supporters: 1, queued: 1 });
    expect(sink.received.flatMap((mail) => mail.rcptTo).sort()).toEqual(['grace@example.org', 'grace@example.org']);
    const adaRows = t.ctx.db.select().from(emailOutbox).where(eq(emailOutbox.supporterId, ada.id)).all();
    expect(adaRows.map((row) => [row.state, row.lastError])).toEqual([['dead', 'not sent: the buyer was erased']]);
  });
});
