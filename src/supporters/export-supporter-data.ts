import { listSupporterTrapWeeks } from '../camtrap/supporter-allocations.js';
import type { Db } from '../db/client.js';
import { findSupporterEmailIds, listSupporterEmails } from '../email/supporter-emails.queries.js';
import { listNotificationsFor } from '../email/feedback/email-notifications.queries.js';
import { findEventCopies } from '../stripe/event-copies.queries.js';
import { personalFieldsIn } from '../stripe/personal-fields.js';
import {
  listLedgerOfSupporter,
  listLinesOfSupporter,
  listOrdersOfSupporter,
  listPaymentRecords,
  readSupporterTotals,
  stripeRefsOf,
  type PaymentRecords,
  type SupporterLineRow,
} from './supporter-data.queries.js';
import type { Supporter } from './supporters.queries.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const ABOUT =
  'Everything Critically Endangered Socks holds about you: your details and settings, your orders, ' +
  'the ledger entries that turned them into camera-trap-weeks, the camera-weeks those weeks were ' +
  'placed on, the emails we sent you (their subjects and dates), and the personal details in the ' +
  'copies we keep of what Stripe told us about your payments. Amounts are in minor units (pence ' +
  'for GBP); times are UTC.';

/**
 * A buyer's data, whole, as one JSON-ready object (the "Download my data" file, and the console's):
 * read in a few statements per kind of record, however many orders they have.
 */
export function exportSupporterData(db: Db, supporter: Supporter, now: number) {
  const orderRows = listOrdersOfSupporter(db, supporter.id);
  const sessionOf = new Map(orderRows.map((o) => [o.id, o.checkoutSessionId]));
  const paymentIntentIds = orderRows.flatMap((o) => (o.paymentIntentId ? [o.paymentIntentId] : []));
  const payments = listPaymentRecords(db, paymentIntentIds);
  const linesOf = groupBy(listLinesOfSupporter(db, supporter.id), (line) => line.orderId);
  const refundsOf = groupBy(payments.refunds, (refund) => refund.paymentIntentId);
  const disputesOf = groupBy(payments.disputes, (dispute) => dispute.paymentIntentId);
  const emailIds = findSupporterEmailIds(db, supporter.id, [...sessionOf.values()]);
  return {
    generatedAt: iso(now),
    about: ABOUT,
    supporter: {
      id: supporter.id,
      email: supporter.email,
      name: supporter.name,
      createdAt: iso(supporter.createdAt),
      erasedAt: iso(supporter.erasedAt),
    },
    settings: { monthlyImpactEmail: supporter.isSubscribed, emailDeliverable: supporter.isDeliverable },
    impact: readSupporterTotals(db, supporter.id),
    orders: orderRows.map((o) => ({
      checkoutSessionId: o.checkoutSessionId,
      paymentIntentId: o.paymentIntentId,
      status: o.status,
      amountTotalMinor: o.amountTotalMinor,
      currency: o.currency,
      createdAt: iso(o.createdAt),
      paidAt: iso(o.paidAt),
      pairs: o.pairs,
      trapWeeks: o.trapWeeks,
      lines: (linesOf.get(o.id) ?? []).map(lineView),
      refunds: (o.paymentIntentId ? (refundsOf.get(o.paymentIntentId) ?? []) : []).map(paymentView),
      disputes: (o.paymentIntentId ? (disputesOf.get(o.paymentIntentId) ?? []) : []).map(paymentView),
    })),
    ledgerEntries: listLedgerOfSupporter(db, supporter.id).map((e) => ({
      id: e.id,
      checkoutSessionId: e.orderId === null ? null : (sessionOf.get(e.orderId) ?? null),
      kind: e.kind,
      pairs: e.pairs,
      trapWeeks: e.trapWeeks,
      donationMinor: e.donationMinor,
      currency: e.currency,
      occurredAt: iso(e.occurredAt),
      recordedAt: iso(e.recordedAt),
      bookedIn: e.period,
      reason: e.reason,
    })),
    cameraWeeks: listSupporterTrapWeeks(db, supporter.id).map(({ orderId: _orderId, allocatedAt, ...week }) => ({
      ...week,
      allocatedAt: iso(allocatedAt),
    })),
    emails: listSupporterEmails(db, emailIds).map((e) => ({
      kind: e.kind,
      subject: e.subject,
      state: e.state,
      queuedAt: iso(e.createdAt),
      sentAt: iso(e.sentAt),
    })),
    stripeRecords: findEventCopies(db, stripeRefsOf(orderRows, payments)).map((copy) => ({
      eventId: copy.id,
      type: copy.type,
      createdAt: iso(copy.stripeCreated * 1000),
      personalData: personalFieldsIn(copy.payload),
    })),
    // What their mail provider told us about their address: bounces, complaints, deliveries.
    mailProviderNotices: listNotificationsFor(db, supporter.email, 1000).map((n) => ({
      provider: n.provider,
      type: n.type,
      occurredAt: iso(n.occurredAt),
      effect: n.effect,
      detail: n.detail,
    })),
  };
}

export type SupporterDataExport = ReturnType<typeof exportSupporterData>;

/** `socks-data-2026-12-02.json`: the day it was made, nothing that names the buyer. */
export function exportFileName(now: number): string {
  return `socks-data-${new Date(now).toISOString().slice(0, 10)}.json`;
}

function lineView(line: SupporterLineRow) {
  return {
    description: line.description,
    quantity: line.quantity,
    pairsPerUnit: line.pairsPerUnit,
    amountTotalMinor: line.amountTotalMinor,
  };
}

function paymentView({ id, amountMinor, status }: PaymentRecords['refunds'][number]) {
  return { id, amountMinor, status };
}

function groupBy<T, K>(rows: T[], keyOf: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
