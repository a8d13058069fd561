import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { runMonthlyEmails, type MonthlyRunOptions } from '../../src/email/monthly-run.js';
import type { ParkDeployment, ParkEvent } from '../helpers/camtrap-packages.js';
import { importPark } from '../helpers/camtrap-park.js';
import type { SmtpSink } from '../helpers/smtp-sink.js';
import type { TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { appSendingTo, buy, outboxRows, receivedWith, smtpSink } from './mail-test-kit.js';

const DAY = 86_400_000;
/** The packages' first day, 1 February 2027 (UTC); 1 March is day 28. Cameras show +10:00, so a week starting at 00:00 UTC is dated that day. */
const FIRST_DAY = Date.UTC(2027, 1, 1);
const APRIL = '2027-04';
const SECTION_TEXT = 'YOUR WEEKS ON THE PARK’S CAMERAS';
const SECTION_HTML = 'Your weeks on the park’s cameras';

const LEOPARD = 'Panthera pardus orientalis';
const FEBRUARY: ParkDeployment[] = [{ id: 'BA-01', locationName: 'Barsovy', startDay: 0, days: 28 }];
const MARCH: ParkDeployment[] = [
  { id: 'KP-02', locationName: 'Kedrovaya Pad', startDay: 28, days: 28 },
  { id: 'NZ-03', locationName: 'Нежинка', startDay: 29, days: 28 },
  { id: 'BR-04', locationName: 'Borisovka', startDay: 30, days: 28 },
  { id: 'GM-05', locationName: 'Gamov <ridge> & bay', startDay: 31, days: 28 },
];
const APRIL_DEPLOYMENTS: ParkDeployment[] = [{ id: 'LZ-06', locationName: 'Lazovsky', startDay: 59, days: 14 }];
const seen = (deploymentId: string, at: number, scientificName: string | null, extra: Partial<ParkEvent> = {}) => ({
  deploymentId,
  at,
  scientificName,
  ...extra,
});
const EVENTS: ParkEvent[] = [
  // Kedrovaya Pad's week of 1 March: a leopard (five photos, one visit), a mother with a cub, roe deer twice, a boar.
  seen('KP-02', 28.5, LEOPARD, { photos: 5, individualId: 'Leo-12' }),
  seen('KP-02', 30.2, LEOPARD, { lifeStage: 'juvenile' }),
  seen('KP-02', 29, 'Capreolus pygargus'),
  seen('KP-02', 29.5, 'Capreolus pygargus'),
  seen('KP-02', 31, 'Sus scrofa'),
  // Нежинка's week of 2 March: the camera fired on nothing.
  seen('NZ-03', 30, null, { type: 'blank' }),
  // Borisovka's week of 3 March: a leopard, and five other species.
  seen('BR-04', 32, LEOPARD),
  ...[31, 32.5, 33].map((at) => seen('BR-04', at, 'Sus scrofa')),
  ...[34, 35].map((at) => seen('BR-04', at, 'Cervus nippon')),
  seen('BR-04', 34.5, 'Meles leucurus'),
  seen('BR-04', 36, 'Capreolus pygargus'),
  seen('BR-04', 36.5, 'Lynx lynx'), // not in the package's list of species: shown by its scientific name
];

/** A package of the park with these deployments (and the events of theirs). */
async function importDeployments(t: TestApp, deployments: ParkDeployment[]) {
  const ids = new Set(deployments.map((d) => d.id));
  const events = EVENTS.filter((event) => ids.has(event.deploymentId));
  await importPark(t, { firstDay: FIRST_DAY, deployments, events });
}

/**
 * Camera-weeks given on either side of April's bounds, the bounds of the monthly run (UTC months):
 * - at 23:59:59.999 on 31 March, February's data: Bo's first two weeks and Cy's week;
 * - at 00:00 on 1 April, March's data: Ada's three weeks, Eve's twelve and Bo's third;
 * - at 00:00 on 1 May, April's data: Dan's week.
 * The run for April then goes at 09:00 on 1 May.
 */
async function parkAcrossApril(sink: SmtpSink) {
  const clock = new TestClock(Date.UTC(2027, 2, 31, 23, 59, 59, 999));
  const t = appSendingTo(sink, { clock });
  const paid = (day: number, hour = 0) => FIRST_DAY + day * DAY + hour * 3_600_000;
  await buy(t, { email: 'bo@example.org', name: 'Bo', pairs: 2, paidAt: paid(-7) }); // 25 January
  await buy(t, { email: 'cy@example.org', pairs: 1, paidAt: paid(-6) });
  await buy(t, { email: 'ada@example.org', name: 'Ada', pairs: 3, paidAt: paid(28, 8) }); // 1 March
  await buy(t, { email: 'eve@example.org', pairs: 12, paidAt: paid(29) });
  await buy(t, { email: 'bo@example.org', name: 'Bo', pairs: 1, paidAt: paid(32) });
  await importDeployments(t, FEBRUARY);

  clock.advance(1); // 1 April, 00:00:00.000
  await importDeployments(t, [...FEBRUARY, ...MARCH]);

  clock.advance(14 * DAY);
  await buy(t, { email: 'dan@example.org', pairs: 1, paidAt: paid(60) }); // 2 April: waits for April's data
  await t.ctx.allocation.drain();
  clock.advance(Date.UTC(2027, 4, 1) - clock.now()); // 1 May, 00:00:00.000
  await importDeployments(t, [...FEBRUARY, ...MARCH, ...APRIL_DEPLOYMENTS]);

  clock.advance(9 * 3_600_000);
  return t;
}

function run(t: TestApp, options: Partial<MonthlyRunOptions> = {}) {
  return runMonthlyEmails({ db: t.ctx.db, mailer: t.ctx.mail.mailer, clock: t.clock }, { period: APRIL, ...options });
}

async function deliveredTo(sink: SmtpSink, t: TestApp) {
  await t.ctx.mail.outbox.drain();
  const monthly = receivedWith(sink, /^Your leopard impact in April 2027$/);
  return (email: string) => {
    const mail = monthly.find((m) => m.rcptTo[0] === email);
    if (!mail) throw new Error(`no monthly email to ${email}`);
    return { text: mail.parsed.text!, html: String(mail.parsed.html) };
  };
}

/** The lines of the text part's camera section, heading first. */
function sectionLines(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(SECTION_TEXT);
  return start === -1 ? [] : lines.slice(start, lines.indexOf('', start));
}

describe('the monthly impact email: weeks that got their cameras that month', () => {
  it('lists each week given a camera in the month, with its place, days and what the camera saw, in both parts', async () => {
    const sink = await smtpSink();
    const t = await parkAcrossApril(sink);

    const summary = await run(t);
    const mailTo = await deliveredTo(sink, t);

    expect(summary).toMatchObject({ queued: 5, skipped: { noImpact: 0 } });
    const ada = mailTo('ada@example.org');
    expect(sectionLines(ada.text)).toEqual([
      SECTION_TEXT,
      'All 3 of your weeks got their cameras in April 2027:',
      '- Kedrovaya Pad, 1–7 March 2027: 2 leopard visits (1 with a cub). Also seen: Siberian roe deer, wild boar.',
      '- Нежинка, 2–8 March 2027: no leopard this time, but the camera watched all week, and that watching is what your socks paid for.',
      '- Borisovka, 3–9 March 2027: 1 leopard visit. Also seen: wild boar, sika deer, Asian badger, Lynx lynx and 1 more species.',
    ]);
    expect(ada.html).toContain(
      `<h2 style="margin:24px 0 8px;font-size:18px;color:#7a3e0c;">${SECTION_HTML}</h2>\n` +
        '<p style="margin:0 0 8px;">All 3 of your weeks got their cameras in April 2027:</p>\n' +
        '<ul style="margin:0 0 16px;padding:0 0 0 20px;">\n' +
        '<li style="margin:0 0 8px;"><strong>Kedrovaya Pad</strong>, 1–7 March 2027: 2 leopard visits (1 with a cub). Also seen: Siberian roe deer, wild boar.</li>\n' +
        '<li style="margin:0 0 8px;"><strong>Нежинка</strong>, 2–8 March 2027: no leopard this time, but the camera watched all week, and that watching is what your socks paid for.</li>\n' +
        '<li style="margin:0 0 8px;"><strong>Borisovka</strong>, 3–9 March 2027: 1 leopard visit. Also seen: wild boar, sika deer, Asian badger, Lynx lynx and 1 more species.</li>\n' +
        '</ul>',
    );
    // The rest of Ada's email is as it was: the section sits between her figures and the census.
    expect(ada.text).toContain('Your socks have funded 3 camera-trap-weeks so far');
    expect(ada.text.indexOf(SECTION_TEXT)).toBeLessThan(ada.text.indexOf('THE LATEST CENSUS'));
    // A place's name only: the packages' cameras sit at 43.1…, 131.3….
    for (const part of [ada.text, ada.html]) expect(part).not.toMatch(/43\.1|131\.3/);
  });

  it('says how many of a buyer’s weeks got cameras, escapes a place’s name in HTML, and lists at most ten', async () => {
    const sink = await smtpSink();
    const t = await parkAcrossApril(sink);

    await run(t);
    const mailTo = await deliveredTo(sink, t);

    // Two of Bo's three weeks got their cameras at the very end of March: only the third is April's.
    const bo = mailTo('bo@example.org');
    expect(sectionLines(bo.text)).toEqual([
      SECTION_TEXT,
      '1 of your weeks got its camera in April 2027:',
      '- Gamov <ridge> & bay, 25–31 March 2027: no leopard this time, but the camera watched all week, and that watching is what your socks paid for.',
    ]);
    expect(bo.html).toContain('<strong>Gamov &lt;ridge&gt; &amp; bay</strong>, 25–31 March 2027: no leopard this time');
    expect(bo.html).not.toContain('<ridge>');

    const eve = sectionLines(mailTo('eve@example.org').text);
    expect(eve[1]).toBe('All 12 of your weeks got their cameras in April 2027:');
    expect(eve.filter((line) => line.startsWith('- '))).toHaveLength(10);
    expect(eve[2]).toBe(
      '- Gamov <ridge> & bay, 4–10 March 2027: no leopard this time, but the camera watched all week, and that watching is what your socks paid for.',
    );
    expect(eve.at(-1)).toBe('…and 2 more weeks: your impact page lists every one.');
  });

  it('adds nothing for a buyer whose weeks got cameras in another month, or are still waiting', async () => {
    const sink = await smtpSink();
    const t = await parkAcrossApril(sink);

    await run(t);
    const mailTo = await deliveredTo(sink, t);

    // Cy's week got its camera a millisecond before April; Dan's, at the first instant of May.
    for (const email of ['cy@example.org', 'dan@example.org']) {
      const mail = mailTo(email);
      expect(mail.text).not.toContain(SECTION_TEXT);
      expect(mail.html).not.toContain(SECTION_HTML);
      expect(mail.html).not.toContain('<ul');
    }
    expect(mailTo('dan@example.org').text).toContain(
      'In April 2027 your socks funded 1 camera-trap-week, and 1 in all so far.',
    );
    expect(sectionLines(mailTo('cy@example.org').text)).toEqual([]);
  });

  it('reads the month’s weeks in one statement for the whole run, and stores the new text packed and intact', async () => {
    const sink = await smtpSink();
    const t = await parkAcrossApril(sink);
    const statement = Object.getPrototypeOf(t.ctx.database.sqlite.prepare('select 1'));
    const readAll = statement.all;
    let monthReads = 0;
    statement.all = function (this: { source: string }, ...args: unknown[]) {
      if (/from "trap_week_allocations"/.test(this.source) && /"allocated_at" >= \?/.test(this.source)) monthReads++;
      return readAll.apply(this, args);
    };
    try {
      expect(await run(t, { pageSize: 2 })).toMatchObject({ queued: 5 }); // three pages of supporters
    } finally {
      statement.all = readAll;
    }
    expect(monthReads).toBe(1);

    const ada = outboxRows(t, 'monthly').find((row) => row.recipient === 'ada@example.org')!;
    const stored = t.ctx.db.get<{ type: string }>(
      sql`select typeof(html_body) as type from email_outbox where id = ${ada.id}`,
    );
    expect(stored!.type).toBe('blob');
    expect(ada.htmlBody).toContain('<strong>Нежинка</strong>, 2–8 March 2027: no leopard this time');
    expect(ada.textBody).toContain('- Нежинка, 2–8 March 2027: no leopard this time');
    const delivered = (await deliveredTo(sink, t))('ada@example.org');
    expect(delivered.html).toContain('<strong>Нежинка</strong>, 2–8 March 2027');
  });
});
