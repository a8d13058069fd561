import { execFile, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { monthJustEnded, runMonthlyEmails } from '../src/email/monthly-run.js';
import { countOutboxByState } from '../src/email/outbox.queries.js';
import { mailOptionsFor, smtpPoolOptions } from '../src/email/smtp-transport.js';
import type { OutgoingMessage } from '../src/email/transport.js';

const USAGE = `npm run bench:email -- [options]
  --supporters N   supporters, each with impact (default 100000)
  --reference N    messages for the reference run with nodemailer's default sockets (default 2000; 0 to skip)
  --keep           keep the generated database`;

const BENCH_DIR = import.meta.dirname;
const MAX_CONNECTIONS = 5;
const ROUNDS = 4;
const QUEUE_BAR_S = 10;
const DELIVERY_BAR = 0.8;
const MEMORY_BAR_MB = 250;

/**
 * The monthly run at scale: queue it for N supporters, deliver it through the outbox to an SMTP
 * sink in another process, and compare with plain nodemailer sending as many similar messages to
 * the same sink with the same pool (5 connections) and socket options. Prints figures and verdicts.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      supporters: { type: 'string', default: '100000' },
      reference: { type: 'string', default: '2000' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`), 0;
  const supporters = Number(values.supporters);
  const referenceCount = Number(values.reference);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-email-bench-'));
  const file = path.join(dir, 'socks.db');
  const sink = await startSink();
  const memory = sampleMemory();
  try {
    log(`generating ${supporters.toLocaleString('en')} supporters with two orders each…`);
    await generate(file, supporters);
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_PATH: file, SMTP_URL: sink.url, SMTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS), PUBLIC_URL: 'https://socks.example', STRIPE_WEBHOOK_SECRET: 'whsec_bench', SESSION_SECRET: 'bench-session-secret-bench-session-secret', LOG_LEVEL: 'error' });
    // Real time while queueing; then held still, so each delivery round releases exactly the
    // messages queued up to a moment (their next_attempt_at is when they were queued).
    const clock = { frozenAt: null as number | null, now: () => clock.frozenAt ?? Date.now() };
    const ctx = createContext(config, { clock });
    const period = monthJustEnded(Date.now());

    log('queueing the monthly run…');
    memory.phase('queue');
    const started = performance.now();
    const summary = await runMonthlyEmails({ db: ctx.db, mailer: ctx.mail.mailer, clock: ctx.clock }, { period });
    const queueS = (performance.now() - started) / 1000;
    if (summary.queued !== supporters) throw new Error(`queued ${summary.queued}, expected ${supporters}`);

    // One rendered monthly email, sent to every supporter's address, is the baseline's message.
    const sample = ctx.database.sqlite.prepare('select * from email_outbox where id = 1').get() as Record<string, string>;
    const message = (i: number): OutgoingMessage => ({
      outboxId: i,
      from: config.mailFrom,
      to: { address: `supporter${i}@example.org`, name: null },
      subject: sample.subject!,
      text: sample.text_body!,
      html: sample.html_body!,
      headers: JSON.parse(sample.headers!) as Record<string, string>,
      messageId: `<bench-${i}@socks.example>`,
    });
    const queuedAt = ctx.database.sqlite.prepare('select next_attempt_at as at from email_outbox where id = ?').pluck();

    // Baseline and outbox take turns, a round each, so a machine busy with other work slows both alike.
    log(`delivering: plain nodemailer and the outbox in ${ROUNDS} alternating rounds…`);
    const plain = nodemailer.createTransport(smtpPoolOptions(sink.url, { maxConnections: MAX_CONNECTIONS, ratePerSecond: 0 }));
    await sendPlain(plain, 0, 1000, message); // warm-up: connections open, code compiled
    let baselineS = 0;
    let deliveryS = 0;
    let baselineCpuUs = 0;
    let deliveryCpuUs = 0;
    const cpuOf = (usage: NodeJS.CpuUsage) => usage.user + usage.system;
    for (let round = 1; round <= ROUNDS; round++) {
      const upTo = Math.round((supporters * round) / ROUNDS);
      memory.phase('baseline');
      let cpu = process.cpuUsage();
      baselineS += await sendPlain(plain, Math.round((supporters * (round - 1)) / ROUNDS), upTo, message);
      baselineCpuUs += cpuOf(process.cpuUsage(cpu));
      memory.phase('delivery');
      clock.frozenAt = queuedAt.get(upTo) as number;
      const roundStarted = performance.now();
      cpu = process.cpuUsage();
      await ctx.mail.outbox.drain();
      deliveryCpuUs += cpuOf(process.cpuUsage(cpu));
      deliveryS += (performance.now() - roundStarted) / 1000;
      log(`  round ${round}: ${upTo.toLocaleString('en')} delivered`);
    }
    plain.close();
    const states = countOutboxByState(ctx.db);
    await ctx.close();
    const received = await sink.count();
    if (states.sent !== supporters || received !== 2 * supporters + 1000) throw new Error(`the sink got ${received}, the outbox says ${JSON.stringify(states)}`);

    let referenceRate: number | null = null;
    if (referenceCount > 0) {
      log(`reference: ${referenceCount} messages with nodemailer's default sockets (Nagle on)…`);
      memory.phase('reference');
      referenceRate = await sendReference(sink.url, referenceCount, message);
    }
    const peak = memory.stop();

    const rate = supporters / deliveryS;
    const baselineRate = supporters / baselineS;
    const report = {
      supporters,
      queue: { seconds: round(queueS), perSecond: Math.round(supporters / queueS), bar: `< ${QUEUE_BAR_S} s`, pass: queueS < QUEUE_BAR_S },
      delivery: {
        seconds: round(deliveryS),
        perSecond: Math.round(rate),
        baselinePerSecond: Math.round(baselineRate),
        ratio: round(rate / baselineRate),
        // This process's CPU per message, which a machine busy with other work does not skew.
        cpuUsPerMessage: Math.round(deliveryCpuUs / supporters),
        baselineCpuUsPerMessage: Math.round(baselineCpuUs / supporters),
        bar: `>= ${DELIVERY_BAR}x baseline`,
        pass: rate >= DELIVERY_BAR * baselineRate,
      },
      referenceDefaultSocketsPerSecond: referenceRate === null ? null : Math.round(referenceRate),
      memory: { peakRssMb: peak.peakMb, byPhaseMb: peak.byPhase, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), bar: `< ${MEMORY_BAR_MB} MB`, pass: peak.peakMb < MEMORY_BAR_MB },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    fs.mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
    fs.writeFileSync(path.join(BENCH_DIR, 'results', 'email.json'), `${JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2)}\n`);
    return report.queue.pass && report.delivery.pass && report.memory.pass ? 0 : 1;
  } finally {
    memory.stop();
    sink.stop();
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
    else log(`kept ${file}`);
  }
}

/** Sends messages [from, to) through a nodemailer pool, as many in flight as the outbox keeps; returns seconds. */
async function sendPlain(transporter: nodemailer.Transporter, from: number, to: number, message: (i: number) => OutgoingMessage): Promise<number> {
  const started = performance.now();
  let next = from;
  const worker = async () => {
    while (next < to) await transporter.sendMail(mailOptionsFor(message(++next)));
  };
  await Promise.all(Array.from({ length: 10 * MAX_CONNECTIONS }, worker));
  return (performance.now() - started) / 1000;
}

/** nodemailer exactly as its documentation shows it, default sockets: for the record, not the bar. */
async function sendReference(url: string, count: number, message: (i: number) => OutgoingMessage): Promise<number> {
  const transporter = nodemailer.createTransport(smtpPoolOptions(url, { maxConnections: MAX_CONNECTIONS, ratePerSecond: 0 }, false));
  const seconds = await sendPlain(transporter, 0, count, message);
  transporter.close();
  return count / seconds;
}

function generate(file: string, supporters: number): Promise<void> {
  // Two orders each, a year apart over the last two years: every supporter has impact before this month.
  const args = ['--import', 'tsx', path.join(BENCH_DIR, 'generate-orders.ts'), '--orders', String(2 * supporters), '--supporters', String(supporters), '--out', file];
  return new Promise((resolve, reject) => execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error) => (error ? reject(error) : resolve())));
}

async function startSink() {
  const child: ChildProcess = fork(path.join(BENCH_DIR, 'smtp-sink.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the SMTP sink exited with ${code}`)));
    child.once('message', (m: { port: number }) => resolve(m.port));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    count: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m: { received: number }) => resolve(m.received));
        child.send({ command: 'count' });
      }),
    stop: () => child.connected && child.disconnect(),
  };
}

/** The process's RSS, sampled every 50 ms, overall and per phase. */
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
