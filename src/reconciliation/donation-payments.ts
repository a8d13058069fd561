import { desc, eq } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { donationPayments, donationPaymentVoids, ledgerEntries, staff } from '../db/schema/index.js';
import { isoDay } from '../lib/clock.js';
import { isCurrencyCode } from '../lib/money.js';
import { appendLedger } from '../ledger/ledger.queries.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import { BadRequestError, NotFoundError } from '../errors.js';

export interface DonationPaymentInput {
  /** YYYY-MM-DD, the day the money left. */
  paidOn: string;
  amountMinor: number;
  currency: string;
  reference: string;
  note: string | null;
}

/**
 * Records money paid to the charity as a `donation_paid` ledger entry (negative: it reduces what is
 * owed), booked in the month it was paid, or the first open month when that one is closed.
 */
export function recordDonationPayment(db: Db, input: DonationPaymentInput, actor: Actor, now: number) {
  const payment = validPayment(input, now);
  return transaction(db, (tx) => {
    const [entry] = appendLedger(tx, [
      {
        kind: 'donation_paid',
        pairs: 0,
        trapWeeks: 0,
        donationMinor: -payment.amountMinor,
        currency: payment.currency,
        occurredAt: Date.parse(`${payment.paidOn}T00:00:00Z`),
        recordedAt: now,
        reason: `donation paid to the charity, reference ${payment.reference}`,
      },
    ]);
    const row = tx
      .insert(donationPayments)
      .values({ ...payment, ledgerEntryId: entry!.id, recordedByStaffId: actor.staffId, recordedAt: now })
      .returning()
      .get();
    recordAudit(tx, actor, now, 'donation.record', `donation_payment:${row.id}`, null, payment);
    return row;
  });
}

/**
 * Voids a payment recorded by mistake with a reversing entry, dated like the original: it nets out in
 * the same month when that month is open, and lands in the first open month otherwise. Once only.
 */
export function voidDonationPayment(db: Db, paymentId: number, reason: string, actor: Actor, now: number): void {
  const why = reason.trim();
  if (!why) throw new BadRequestError('reason_required', 'Say why the payment is being voided.', { field: 'reason' });
  if (why.length > 500)
    throw new BadRequestError('reason_too_long', 'Keep the reason under 500 characters.', { field: 'reason' });
  transaction(db, (tx) => {
    const payment = tx.select().from(donationPayments).where(eq(donationPayments.id, paymentId)).get();
    if (!payment) throw new NotFoundError('not_found', 'There is no such donation payment.');
    if (tx.select().from(donationPaymentVoids).where(eq(donationPaymentVoids.paymentId, paymentId)).get()) {
      throw new BadRequestError('already_void', 'This payment has already been voided.');
    }
    const original = tx.select().from(ledgerEntries).where(eq(ledgerEntries.id, payment.ledgerEntryId)).get()!;
    const [reversal] = appendLedger(tx, [
      {
        kind: 'donation_paid',
        pairs: 0,
        trapWeeks: 0,
        donationMinor: payment.amountMinor,
        currency: payment.currency,
        occurredAt: original.occurredAt,
        recordedAt: now,
        reason: `void of donation payment ${paymentId} (reference ${payment.reference}): ${why}`,
      },
    ]);
    tx.insert(donationPaymentVoids)
      .values({ paymentId, reason: why, ledgerEntryId: reversal!.id, voidedByStaffId: actor.staffId, voidedAt: now })
      .run();
    recordAudit(
      tx,
      actor,
      now,
      'donation.void',
      `donation_payment:${paymentId}`,
      { isVoid: false },
      { isVoid: true, reason: why },
    );
  });
}

export interface DonationPaymentRow {
  id: number;
  paidOn: string;
  amountMinor: number;
  currency: string;
  reference: string;
  note: string | null;
  period: string;
  /** Booked in a later month than it was paid: that one had closed. */
  isLate: boolean;
  recordedBy: string | null;
  voidReason: string | null;
  voidedAt: number | null;
}

/** A charity is paid a few times a month: the console lists the latest 200. */
const PAYMENTS_LISTED = 200;

/** Payments newest first, with the month each was booked in and whether it was voided. */
export function listDonationPayments(db: Db): DonationPaymentRow[] {
  return db
    .select({
      id: donationPayments.id,
      paidOn: donationPayments.paidOn,
      amountMinor: donationPayments.amountMinor,
      currency: donationPayments.currency,
      reference: donationPayments.reference,
      note: donationPayments.note,
      period: ledgerEntries.period,
      isLate: ledgerEntries.isLate,
      recordedBy: staff.email,
      voidReason: donationPaymentVoids.reason,
      voidedAt: donationPaymentVoids.voidedAt,
    })
    .from(donationPayments)
    .innerJoin(ledgerEntries, eq(ledgerEntries.id, donationPayments.ledgerEntryId))
    .leftJoin(staff, eq(staff.id, donationPayments.recordedByStaffId))
    .leftJoin(donationPaymentVoids, eq(donationPaymentVoids.paymentId, donationPayments.id))
    .orderBy(desc(donationPayments.paidOn), desc(donationPayments.id))
    .limit(PAYMENTS_LISTED)
    .all();
}

function validPayment(input: DonationPaymentInput, now: number): DonationPaymentInput {
  const paidOn = input.paidOn.trim();
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(paidOn) ||
    Number.isNaN(Date.parse(`${paidOn}T00:00:00Z`)) ||
    isoDay(Date.parse(`${paidOn}T00:00:00Z`)) !== paidOn
  ) {
    throw new BadRequestError('invalid_date', 'The payment date must be a real day, like 2025-01-31.', {
      field: 'paidOn',
    });
  }
  if (paidOn > isoDay(now))
    throw new BadRequestError('future_date', 'The payment date cannot be in the future.', { field: 'paidOn' });
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0)
    throw new BadRequestError('invalid_amount', 'The amount must be more than zero.', { field: 'amount' });
  const currency = input.currency.trim().toUpperCase();
  if (!isCurrencyCode(currency))
    throw new BadRequestError('invalid_currency', 'The currency must be a three-letter code such as GBP.', {
      field: 'currency',
    });
  const reference = input.reference.trim();
  if (!reference || reference.length > 200)
    throw new BadRequestError('invalid_reference', 'Give the payment reference (up to 200 characters).', {
      field: 'reference',
    });
  const note = input.note?.trim() || null;
  if (note && note.length > 2000)
    throw new BadRequestError('note_too_long', 'Keep the note under 2,000 characters.', { field: 'note' });
  return { paidOn, amountMinor: input.amountMinor, currency, reference, note };
}
