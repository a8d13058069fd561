import fs from 'node:fs';
import Database from 'better-sqlite3';
import nodemailer from 'nodemailer';
import { loadConfig, type Config } from '../config.js';
import { MIGRATIONS_FOLDER } from '../db/migrate.js';
import { createStripeClient } from '../stripe/line-items.js';
import { ConfigError } from '../errors.js';
import { freeDiskBytes } from './metrics.js';
import { backupDirProblem } from './ops-config.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

/** Below this the disk is a failure whatever READY_MIN_FREE_DISK_MB says: SQLite needs room to commit. */
const CRITICAL_FREE_BYTES = 100 * 1_048_576;
const NETWORK_TIMEOUT_MS = 10_000;

/**
 * What production needs, checked the way the app will use it: the configuration as the app reads
 * it, the database writable and migrated, room on the disk, the mail relay answering (and taking
 * the login), the Stripe key accepted by Stripe, backups writable. Each check says ok, warn or
 * fail, and what to do. Nothing is written anywhere (the write check rolls back).
 */
export async function runDoctor(env: Record<string, string | undefined>): Promise<CheckResult[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => ({ name: 'configuration', status: 'fail', detail: problem }));
  }
  const isProduction = config.env === 'production';
  const results: CheckResult[] = [
    { name: 'configuration', status: 'ok', detail: `valid for ${config.env}` },
    checkSecrets(config, env),
    checkPublicUrl(config),
    ...checkDatabase(config.databasePath),
    checkDisk(config),
    await checkSmtp(config, isProduction),
    await checkStripe(config, isProduction),
    checkBackups(config, isProduction),
    {
      name: 'metrics',
      status: 'ok',
      detail: config.secrets.metricsToken ? 'GET /metrics answers its bearer token' : 'off (METRICS_TOKEN unset)',
    },
  ];
  return results;
}

function checkSecrets(config: Config, env: Record<string, string | undefined>): CheckResult {
  const name = 'secrets';
  const isSet = env.STRIPE_WEBHOOK_SECRET && env.SESSION_SECRET;
  if (config.env === 'production')
    return { name, status: 'ok', detail: 'webhook secret (whsec_…) and session secret set in their real shapes' };
  if (!isSet)
    return {
      name,
      status: 'warn',
      detail:
        'using the development secrets kept beside the database: set STRIPE_WEBHOOK_SECRET and SESSION_SECRET for production',
    };
  const isWebhookShaped = config.secrets.stripeWebhookSecrets.every((secret) => secret.startsWith('whsec_'));
  return isWebhookShaped
    ? { name, status: 'ok', detail: 'webhook and session secrets set' }
    : {
        name,
        status: 'warn',
        detail: "STRIPE_WEBHOOK_SECRET does not start with whsec_: it is not Stripe's signing secret",
      };
}

function checkPublicUrl(config: Config): CheckResult {
  const isHttps = config.publicUrl.startsWith('https:');
  if (isHttps) return { name: 'public URL', status: 'ok', detail: `${config.publicUrl} (https)` };
  return config.env === 'production'
    ? {
        name: 'public URL',
        status: 'fail',
        detail: `${config.publicUrl} is not https: shoppers' links and staff cookies need TLS (set PUBLIC_URL to the https address)`,
      }
    : { name: 'public URL', status: 'ok', detail: `${config.publicUrl} (fine outside production)` };
}

function checkDatabase(file: string): CheckResult[] {
  if (file !== ':memory:' && !fs.existsSync(file))
    return [
      {
        name: 'database',
        status: 'fail',
        detail: `no database at ${file}: run \`npm run cli -- migrate\` or start the app once`,
      },
    ];
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(file, { fileMustExist: true, timeout: 5000 });
    sqlite.exec('begin immediate; rollback'); // takes the write lock, writes nothing
    const applied = (sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n;
    const known = migrationCount();
    const migrated: CheckResult =
      applied >= known
        ? { name: 'migrations', status: 'ok', detail: `all ${known} applied` }
        : {
            name: 'migrations',
            status: 'warn',
            detail: `${known - applied} of ${known} not applied yet: they run when the app starts (or \`npm run cli -- migrate\`)`,
          };
    return [{ name: 'database', status: 'ok', detail: `${file} is writable` }, migrated];
  } catch (error) {
    return [{ name: 'database', status: 'fail', detail: `${file}: ${(error as Error).message}` }];
  } finally {
    sqlite?.close();
  }
}

function migrationCount(): number {
  const journal = JSON.parse(fs.readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

function checkDisk(config: Config): CheckResult {
  const free = freeDiskBytes(config.databasePath);
  const mb = (bytes: number) => `${Math.floor(bytes / 1_048_576).toLocaleString('en')} MB`;
  const wanted = config.ops.readiness.minFreeDiskBytes;
  if (free < CRITICAL_FREE_BYTES)
    return { name: 'free disk', status: 'fail', detail: `${mb(free)} free beside the database: make room now` };
  if (free < wanted)
    return {
      name: 'free disk',
      status: 'warn',
      detail: `${mb(free)} free, under READY_MIN_FREE_DISK_MB (${mb(wanted)}): /readyz reports the app degraded`,
    };
  return { name: 'free disk', status: 'ok', detail: `${mb(free)} free beside the database` };
}

async function checkSmtp(config: Config, isProduction: boolean): Promise<CheckResult> {
  const url = config.secrets.smtpUrl;
  if (!url)
    return {
      name: 'mail relay',
      status: isProduction ? 'warn' : 'ok',
      detail: `SMTP_URL unset: emails are written as files to ${config.mail.outboxDir}${isProduction ? ', and nobody receives them' : ''}`,
    };
  const transport = nodemailer.createTransport(url, {
    connectionTimeout: NETWORK_TIMEOUT_MS,
    greetingTimeout: NETWORK_TIMEOUT_MS,
    socketTimeout: NETWORK_TIMEOUT_MS,
  });
  const where = safeHost(url);
  try {
    await transport.verify(); // connects, EHLO, STARTTLS where offered, and logs in when credentials are given
    return {
      name: 'mail relay',
      status: 'ok',
      detail: `${where} answered EHLO${new URL(url).username ? ' and accepted the login' : ''}`,
    };
  } catch (error) {
    return { name: 'mail relay', status: 'fail', detail: `${where}: ${(error as Error).message}` };
  } finally {
    transport.close();
  }
}

async function checkStripe(config: Config, isProduction: boolean): Promise<CheckResult> {
  const key = config.secrets.stripeSecretKey;
  if (!key)
    return {
      name: 'Stripe key',
      status: isProduction ? 'warn' : 'ok',
      detail: 'STRIPE_SECRET_KEY unset: line items cannot be fetched when a webhook leaves them out',
    };
  const stripe = createStripeClient(key, config.stripeApiUrl);
  try {
    const account = await stripe.accounts.retrieveCurrent({}, { timeout: NETWORK_TIMEOUT_MS, maxNetworkRetries: 0 });
    const isLive = key.startsWith('sk_live_') || key.startsWith('rk_live_');
    if (isProduction && !isLive)
      return {
        name: 'Stripe key',
        status: 'warn',
        detail: `valid for ${account.id}, but a test-mode key in production`,
      };
    return { name: 'Stripe key', status: 'ok', detail: `valid for ${account.id} (${isLive ? 'live' : 'test'} mode)` };
  } catch (error) {
    return { name: 'Stripe key', status: 'fail', detail: `Stripe refused it: ${(error as Error).message}` };
  }
}

function checkBackups(config: Config, isProduction: boolean): CheckResult {
  const dir = config.ops.backup.dir;
  if (!dir)
    return {
      name: 'backups',
      status: isProduction ? 'warn' : 'ok',
      detail: 'BACKUP_DIR unset: no scheduled backups (run `npm run cli -- backup FILE` yourself)',
    };
  const problem = backupDirProblem(dir);
  if (problem) return { name: 'backups', status: 'fail', detail: `BACKUP_DIR ${problem}` };
  return {
    name: 'backups',
    status: 'ok',
    detail: `${dir} is writable; ${config.ops.backup.keep} kept, on "${config.ops.backup.cron}" (${config.ops.backup.timezone})`,
  };
}

/** The relay's host and port, never its credentials. */
function safeHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'smtps:' ? 465 : 587)}`;
  } catch {
    return 'the relay';
  }
}
