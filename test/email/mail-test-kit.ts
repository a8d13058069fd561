import { afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { emailOutbox, supporters } from '../../src/db/schema/index.js';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});

/** A real SMTP server, closed after the test. */
export async function smtpSink(port?: number): Promise<SmtpSink> {
  const sink = await startSmtpSink(port);
  sinks.push(sink);
  return sink;
}

/** The test app, sending through `sink`. */
export function appSendingTo(sink: { url: string }, opts: Parameters<typeof createTestApp>[0] = {}): TestApp {
  return createTestApp({ ...opts, env: { SMTP_URL: sink.url, ...opts.env } });
}

/** A paid purchase, delivered as Stripe would and processed; `paidAt` (ms) sets when it was paid. */
export async function buy(
  t: TestApp,
  purchase: { email: string; name?: string; pairs: number; paidAt?: number },
): Promise<void> {
  const event = checkoutCompleted(
    { email: purchase.email, name: purchase.name ?? null, lines: [{ pairsPerUnit: purchase.pairs }] },
    purchase.paidAt === undefined ? {} : { createdSeconds: Math.floor(purchase.paidAt / 1000) },
  );
  const response = await t.deliver(event);
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  await t.settle();
}

export function supporterToken(t: TestApp, email: string): string {
  const supporter = findSupporterByEmail(t.ctx.db, email);
  if (!supporter) throw new Error(`no supporter ${email}`);
  return supporter.token;
}

export function setSupporter(t: TestApp, email: string, values: Partial<typeof supporters.$inferInsert>): void {
  t.ctx.db.update(supporters).set(values).where(eq(supporters.email, email)).run();
}

export function outboxRows(t: TestApp, kind?: (typeof emailOutbox.$inferSelect)['kind']) {
  const rows = t.ctx.db.select().from(emailOutbox).orderBy(emailOutbox.id).all();
  return kind ? rows.filter((row) => row.kind === kind) : rows;
}

/** Messages the sink received whose subject matches. */
export function receivedWith(sink: SmtpSink, subject: RegExp): ReceivedMail[] {
  return sink.received.filter((mail) => subject.test(mail.parsed.subject ?? ''));
}

/** Header lines of a raw message, unfolded, exactly as they were sent. */
export function rawHeaderLines(raw: Buffer): string[] {
  const head = raw.toString('utf8').split('\r\n\r\n')[0]!;
  return head.replace(/\r\n[ \t]/g, ' ').split('\r\n');
}

/** The links in a message's HTML part, in order. */
export function htmlLinks(mail: ReceivedMail): string[] {
  return [...String(mail.parsed.html).matchAll(/href="([^"]+)"/g)].map((m) =>
    m[1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'),
  );
}
