import { execFile, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { emailOutbox } from '../src/db/schema/index.js';
import { newWebhookSecret } from './environment.js';
import { monthJustEnded, runMonthlyEmails } from '../src/email/monthly-run.js';
import { countOutboxByState } from '../src/email/outbox.queries.js';
import { mailOptionsFor, smtpPoolOptions } from '../src/email/smtp-transport.js';
import { BENCH_DIR, benchScript } from './child-server.js';
import type { OutgoingMessage } from '../src/email/transport.js';

const USAGE = `npm run bench:email -- [options]
  --supporters N   supporters, each with impact (default 100000)
  --suppressed N   of them, addresses a provider reported (half hard bounces, half complaints): not mailed (default 0)
  --rounds N       delivery rounds, outbox and baseline taking turns (default 10)
  --reference N    messages for a reference run of nodemailer with its default sockets (default 2000; 0 to skip)
  --keep           keep the generated database`;

const MAX_CONNECTIONS = 5;
const QUEUE_BAR_S = 10;
const DELIVERY_BAR = 0.8;
const MEMORY_BAR_MB = 250;

/**
 * The monthly run at scale: queue it for N supporters, then deliver it through the outbox to an
 * SMTP sink in another process. The baseline, plain nodemailer with the same pool and sockets,
 * sends as many similar messages to the same sink from this same process (same heap, same event
 * loop); the two take turns in rounds so other work on the machine slows both alike.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      supporters: { type: 'string', default: '100000' },
      suppressed: { type: 'string', default: '0' },
      rounds: { type: 'string', default: '10' },
      reference: { type: 'string', default: '2000' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return (void process.stdout.write(`${USAGE}\n`), 0);
  const supporters = Number(values.supporters);
  const suppressed = Number(values.suppressed);
  // What the run queues and delivers: everyone but the suppressed.
  const mailed = supporters - suppressed;
  const rounds = Number(values.rounds);
  const referenceCount = Number(values.reference);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-email-bench-'));
  const file = path.join(dir, 'socks.db');
  const sink = await child('smtp-sink.ts');
  const memory = sampleMemory();
  try {
    log(`generating ${supporters.toLocaleString('en')} supporters with two orders each…`);
    await generate(file, supporters);
    const url = `smtp://127.0.0.1:${(sink.ready as { port: number }).port}`;
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_PATH: file,
      SMTP_URL: url,
      SMTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      PUBLIC_URL: 'https://socks.example',
      STRIPE_WEBHOOK_SECRET: newWebhookSecret(),
      SESSION_SECRET: newWebhookSecret(),
      LOG_LEVEL: 'error',
    });
    // Real time while queueing; then held still, so each delivery round releases exactly the
    // messages queued up to a moment (a message's next_attempt_at is when it was queued).
    const clock = { frozenAt: null as number | null, now: () => clock.frozenAt ?? Date.now() };
    const ctx = createContext(config, { clock });

    if (suppressed > 0) suppress(ctx, supporters, suppressed);
    log('queueing the monthly run…');
    memory.phase('queue');
    const started = performance.now();
    const summary = await runMonthlyEmails(
      { db: ctx.db, mailer: ctx.mail.mailer, clock: ctx.clock },
      { period: monthJustEnded(Date.now()) },
    );
    const queueS = (performance.now() - started) / 1000;
    if (summary.queued !== mailed) throw new Error(`queued ${summary.queued}, expected ${mailed}`);

    // The baseline sends one rendered monthly email to one address after another.
    const [row] = ctx.db.select().from(emailOutbox).where(eq(emailOutbox.id, 1)).all();
    const message = (i: number): OutgoingMessage => ({
      outboxId: i,
      from: config.mailFrom,
      to: { address: `supporter${i}@example.org`, name: null },
      subject: row!.subject,
      text: row!.textBody,
      html: row!.htmlBody,
      headers: JSON.parse(row!.headers!) as Record<string, string>,
      messageId: `<bench-${i}@socks.example>`,
    });
    const inFlight = Math.max(50, 10 * MAX_CONNECTIONS); // as many as the outbox keeps in flight
    const plain = nodemailer.createTransport(
      smtpPoolOptions(url, { maxConnections: MAX_CONNECTIONS, ratePerSecond: 0 }),
    );
    memory.phase('baseline');
    await sendPlain(plain, 0, 1000, inFlight, message); // warm-up: connections open, code compiled
    const queuedAt = ctx.database.sqlite.prepare('select next_attempt_at from email_outbox where id = ?').pluck();

    log(`delivering: the outbox and plain nodemailer in ${rounds} rounds each, taking turns…`);
    const totals = { outboxS: 0, outboxCpuUs: 0, baselineS: 0, baselineCpuUs: 0 };
    for (let round = 1; round <= rounds; round++) {
      const [from, to] = [Math.round((mailed * (round - 1)) / rounds), Math.round((mailed * round) / rounds)];
      memory.phase('delivery');
      clock.frozenAt = queuedAt.get(to) as number;
      const cpu = process.cpuUsage();
      const roundStarted = performance.now();
      await ctx.mail.outbox.drain();
      const outboxS = (performance.now() - roundStarted) / 1000;
      totals.outboxS += outboxS;
      const used = process.cpuUsage(cpu);
      totals.outboxCpuUs += used.user + used.system;
      memory.phase('baseline');
      const plainCpu = process.cpuUsage();
      const baselineS = await sendPlain(plain, 1000 + from, 1000 + to, inFlight, message);
      totals.baselineS += baselineS;
      const plainUsed = process.cpuUsage(plainCpu);
      totals.baselineCpuUs += plainUsed.user + plainUsed.system;
      const perS = (seconds: number) => Math.round((to - from) / seconds);
      log(
        `  round ${round}: ${to.toLocaleString('en')} of each delivered; this round outbox ${perS(outboxS)}/s, baseline ${perS(baselineS)}/s`,
      );
    }
    plain.close();
    const states = countOutboxByState(ctx.db);
    await ctx.close();
    const received = ((await sink.request({ command: 'count' })) as { received: number }).received;
    if (states.sent !== mailed || received !== 2 * mailed + 1000)
      throw new Error(`the sink got ${received}, the outbox says ${JSON.stringify(states)}`);

    let referencePerSecond: number | null = null;
    if (referenceCount > 0) {
      log(`reference: ${referenceCount} messages through nodemailer with its default sockets (Nagle's algorithm on)…`);
      memory.phase('reference');
      const nagle = nodemailer.createTransport(
        smtpPoolOptions(url, { maxConnections: MAX_CONNECTIONS, ratePerSecond: 0 }, false),
      );
      referencePerSecond = Math.round(referenceCount / (await sendPlain(nagle, 0, referenceCount, inFlight, message)));
      nagle.close();
    }

    const peak = memory.stop();
    const appPeakMb = Math.max(...['setup', 'queue', 'delivery'].map((phase) => peak.byPhase[phase] ?? 0));
    const rate = mailed / totals.outboxS;
    const baselineRate = mailed / totals.baselineS;
    const report = {
      supporters,
      suppressed,
      loadAverage: os.loadavg().map((n) => round(n)),
      queue: {
        seconds: round(queueS),
        perSecond: Math.round(supporters / queueS),
        bar: `< ${QUEUE_BAR_S} s`,
        pass: queueS < QUEUE_BAR_S,
      },
      delivery: {
        seconds: round(totals.outboxS),
        perSecond: Math.round(rate),
        baselineSeconds: round(totals.baselineS),
        baselinePerSecond: Math.round(baselineRate),
        ratio: round(rate / baselineRate),
        // CPU per message: what a machine busy with other work skews least.
        cpuUsPerMessage: Math.round(totals.outboxCpuUs / mailed),
        baselineCpuUsPerMessage: Math.round(totals.baselineCpuUs / mailed),
        bar: `>= ${DELIVERY_BAR}x baseline`,
        pass: rate >= DELIVERY_BAR * baselineRate,
      },
      referenceDefaultSocketsPerSecond: referencePerSecond,
      // The app's phases (queueing, delivering); the baseline's phases are listed for comparison.
      memory: {
        appPeakRssMb: appPeakMb,
        byPhaseMb: peak.byPhase,
        bar: `< ${MEMORY_BAR_MB} MB`,
        pass: appPeakMb < MEMORY_BAR_MB,
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    fs.mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(BENCH_DIR, 'results', 'email.json'),
      `${JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2)}\n`,
    );
    return report.queue.pass && report.delivery.pass && report.memory.pass ? 0 : 1;
  } finally {
    memory.stop();
    sink.stop();
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
    else log(`kept ${file}`);
  }
}

/**
 * Spreads `count` suppressed addresses evenly over the supporters, as the provider's notices leave
 * them: every other one undeliverable (a hard bounce), the rest unsubscribed (a complaint).
 */
function suppress(ctx: ReturnType<typeof createContext>, supporters: number, count: number): void {
  const step = supporters / count;
  const undeliverable = ctx.database.sqlite.prepare('update supporters set is_deliverable = 0 where id = ?');
  const unsubscribed = ctx.database.sqlite.prepare('update supporters set is_subscribed = 0 where id = ?');
  ctx.database.sqlite.transaction(() => {
    for (let i = 0; i < count; i++) (i % 2 ? unsubscribed : undeliverable).run(1 + Math.floor(i * step));
  })();
}

function generate(file: string, supporters: number): Promise<void> {
  // Two orders each, a year apart over the last two years: every supporter has impact before this month.
  const script = benchScript('generate-orders.ts');
  const args = [
    ...script.execArgv,
    script.file,
    '--orders',
    String(2 * supporters),
    '--supporters',
    String(supporters),
    '--out',
    file,
  ];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error) => (error ? reject(error) : resolve())),
  );
}

/** Sends messages (from, to] through a nodemailer pool, `inFlight` at a time; returns seconds. */
async function sendPlain(
  transporter: nodemailer.Transporter,
  from: number,
  to: number,
  inFlight: number,
  message: (i: number) => OutgoingMessage,
) {
  const started = performance.now();
  let next = from;
  const worker = async () => {
    while (next < to) await transporter.sendMail(mailOptionsFor(message(++next)));
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (performance.now() - started) / 1000;
}

/** Starts bench/<script> in its own process; `request` sends a message and waits for the reply. */
async function child(script: string) {
  const { file, execArgv } = benchScript(script);
  const proc: ChildProcess = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = () =>
    new Promise<unknown>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${script} exited with ${code}`));
      proc.once('exit', onExit);
      proc.once('message', (message) => {
        proc.off('exit', onExit);
        resolve(message);
      });
    });
  const ready = await reply();
  return {
    ready,
    request: (message: object) => {
      const answer = reply();
      proc.send(message);
      return answer;
    },
    stop: () => proc.connected && proc.disconnect(),
  };
}

/** This process's RSS, sampled every 50 ms, overall and per phase. */
function sampleMemory() {
  const byPhase: Record<string, number> = {};
  let phase = 'setup';
  let peak = 0;
  const take = () => {
    const mb = process.memoryUsage.rss() / 1048576;
    peak = Math.max(peak, mb);
    byPhase[phase] = Math.round(Math.max(byPhase[phase] ?? 0, mb));
  };
  const timer = setInterval(take, 50);
  return {
    phase: (name: string) => {
      take();
      phase = name;
    },
    stop: () => {
      take();
      clearInterval(timer);
      return { peakMb: Math.round(peak), byPhase };
    },
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
const log = (line: string) => process.stderr.write(`${line}\n`);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
