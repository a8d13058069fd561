import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { openDatabase, type Db } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { staff } from '../src/db/schema/index.js';
import { COMMAND_LINE } from '../src/staff/audit-log.js';
import { createStaff } from '../src/staff/manage-staff.js';
import { completeSignIn, signIn } from '../src/staff/sign-in.js';
import { confirmEnrolment, startEnrolment } from '../src/staff/two-factor.js';
import { medianOf } from './rounds.js';

/**
 * Staff sign-in with and without two-factor (bar: the password hash stays the cost, so signing in
 * with a code is within the spread of signing in without one). Rounds alternate between the two
 * accounts on one database, so both see the same machine. What is timed is the app's whole sign-in
 * (throttle, scrypt, session, audit; then the code step), not HTTP, which is the same for both.
 *
 *   npm run bench:sign-in -- [--rounds N] [--per-round N]
 */
const PASSWORD = 'benchmark password, not a secret';
const STEP_MS = 30_000;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '7' }, 'per-round': { type: 'string', default: '20' } },
  });
  const rounds = Number(values.rounds);
  const perRound = Number(values['per-round']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-sign-in-'));
  const file = path.join(dir, 'sign-in.db');
  const database = openDatabase(file);
  const db = database.db;
  migrateDatabase(db);
  // Every sign-in is a new 30-second step, so each code is fresh (a code is never taken twice).
  let clock = Date.now();
  const now = () => clock;
  try {
    await createStaff(db, { email: 'plain@bench.test', role: 'admin', password: PASSWORD }, COMMAND_LINE, now);
    await createStaff(db, { email: 'totp@bench.test', role: 'admin', password: PASSWORD }, COMMAND_LINE, now);
    const secret = await enrolTotp(db, 'totp@bench.test', now());
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    const device = null;
    const client = '127.0.0.1';

    const plain = async () => {
      clock += STEP_MS;
      const result = await signIn(db, { email: 'plain@bench.test', password: PASSWORD, client, device }, now);
      if (result.status !== 'signed_in') throw new Error(`plain sign-in: ${result.status}`);
    };
    const withCode = async () => {
      clock += STEP_MS;
      const code = totp.generate({ timestamp: clock }); // the phone's work, done before the clock starts
      const started = performance.now();
      const first = await signIn(db, { email: 'totp@bench.test', password: PASSWORD, client, device }, now);
      if (first.status !== 'second_factor_due') throw new Error(`password step: ${first.status}`);
      const second = completeSignIn(db, { sessionId: first.sessionId, code, client, device }, now);
      if (second.status !== 'signed_in') throw new Error(`code step: ${second.status}`);
      return performance.now() - started;
    };

    await plain(); // warm-up: the first scrypt and the first statements
    await withCode();
    const without: number[] = [];
    const withTotp: number[] = [];
    for (let round = 0; round < rounds; round++) {
      without.push(
        await timeEach(perRound, async () => {
          const started = performance.now();
          await plain();
          return performance.now() - started;
        }),
      );
      withTotp.push(await timeEach(perRound, withCode));
      log(
        `round ${round + 1}/${rounds}: without ${without.at(-1)!.toFixed(1)} ms, with a code ${withTotp.at(-1)!.toFixed(1)} ms`,
      );
    }
    const medianWithout = medianOf(without);
    const medianWith = medianOf(withTotp);
    const spread = Math.max(...without) - Math.min(...without);
    const results = {
      signInsPerRound: perRound,
      withoutTwoFactorMs: { median: round1(medianWithout), rounds: without.map(round1), spread: round1(spread) },
      withTwoFactorMs: { median: round1(medianWith), rounds: withTotp.map(round1) },
      addedByTwoFactorMs: round1(medianWith - medianWithout),
      ratio: Number((medianWith / medianWithout).toFixed(3)),
      passed: medianWith - medianWithout <= spread,
    };
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    log(
      `sign-in: ${results.withoutTwoFactorMs.median} ms without a second factor (spread ${results.withoutTwoFactorMs.spread} ms), ` +
        `${results.withTwoFactorMs.median} ms with a code: ${results.passed ? 'PASS' : 'FAIL'}`,
    );
    return results.passed ? 0 : 1;
  } finally {
    database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The mean time of `count` sign-ins, in ms. */
async function timeEach(count: number, once: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < count; i++) total += await once();
  return total / count;
}

async function enrolTotp(db: Db, email: string, at: number): Promise<string> {
  const member = db.select().from(staff).where(eq(staff.email, email)).get()!;
  const { secret } = await startEnrolment(db, member.id);
  const code = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
    timestamp: at,
  });
  confirmEnrolment(db, member.id, code, at);
  return secret;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
