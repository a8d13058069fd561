import fs from 'node:fs';
import path from 'node:path';
import { parseDuration, parseInteger } from './lib/parse-env.js';
import type { HttpTimeouts } from './http/server.js';
import { checkMailFrom, parseMailSettings, type MailSettings } from './email/mail-config.js';
import { parseOpsSettings, type OpsSettings } from './ops/ops-config.js';
import { isPublishedSecret, readOrCreateDevelopmentSecrets } from './secrets.js';
import { ConfigError } from './errors.js';
import {
  parseDkim,
  parseFeedbackSettings,
  type DkimSettings,
  type FeedbackSecrets,
  type FeedbackSettings,
} from './email/feedback/feedback-config.js';

/** Every setting the app reads, validated once at start-up and frozen. Secrets live apart in `secrets`. */
export interface Config {
  readonly env: 'production' | 'development' | 'test';
  readonly port: number;
  readonly databasePath: string;
  readonly publicUrl: string;
  readonly stripeApiUrl: string | undefined;
  readonly mailFrom: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Donation owed per pair, minor units per upper-case ISO currency, for the first conversion rule. */
  readonly donationPerPair: Readonly<Record<string, number>>;
  readonly trapWeeksPerPair: number;
  /** How often the server catches up from Stripe's Events API; 0 when off (no STRIPE_SECRET_KEY, or `off`). */
  readonly stripeSyncIntervalMs: number;
  /** The dashboard warns when no webhook has arrived for this long while the catch-up finds new events. */
  readonly stripeQuietHours: number;
  /** Seconds a webhook signature stays valid (Stripe's default is 300). */
  readonly webhookToleranceSeconds: number;
  /** Outbox directory, SMTP pool and rate, and the monthly email schedule. */
  readonly mail: MailSettings;
  /** Bounce and complaint webhooks from the mail provider, and soft-bounce rules. */
  readonly emailFeedback: FeedbackSettings;
  readonly http: HttpTimeouts;
  /** The largest camera-trap package upload the console takes (CAMTRAP_UPLOAD_MAX_MB); bigger ones use the command line. */
  readonly camtrapUploadMaxBytes: number;
  /** Scheduled backups and what readiness checks (src/ops). */
  readonly ops: OpsSettings;
  readonly secrets: Secrets;
}

export interface Secrets {
  /** Several secrets may be active at once while one is being rotated out. */
  readonly stripeWebhookSecrets: readonly string[];
  readonly stripeSecretKey: string | undefined;
  readonly smtpUrl: string | undefined;
  readonly sessionSecret: string;
  /** METRICS_TOKEN: `GET /metrics` answers only with it as a bearer token, and not at all without it. */
  readonly metricsToken: string | undefined;
  readonly emailFeedback: FeedbackSecrets;
  /** DKIM_*: every message is signed when set. */
  readonly dkim: DkimSettings | null;
}

type Env = Record<string, string | undefined>;

/** Reads `.env` (when present) under the real environment, which wins. */
export function readEnv(): Env {
  const envFile = '.env';
  const fromFile: Env = {};
  if (fs.existsSync(envFile)) {
    for (const line of fs.readFileSync(envFile, 'utf8').split(/\r?\n/)) {
      const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
      if (!match || line.trimStart().startsWith('#')) continue;
      fromFile[match[1]!] = match[2]!.replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return { ...fromFile, ...process.env };
}

/** Builds the config from an environment, listing every problem at once. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development';
  const isProduction = nodeEnv === 'production';

  const port = parseInteger(env.PORT, 3000, 'PORT', problems, 0, 65535);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  checkUrl(publicUrl, 'PUBLIC_URL', problems);
  const stripeApiUrl = env.STRIPE_API_URL || undefined;
  if (stripeApiUrl) checkUrl(stripeApiUrl, 'STRIPE_API_URL', problems);
  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) problems.push('SMTP_URL must start with smtp:// or smtps://');

  const databasePath = env.DATABASE_PATH || './data/socks.db';
  const feedback = parseFeedbackSettings(env, isProduction, problems);
  const secrets = {
    ...parseSecrets(env, isProduction, problems),
    emailFeedback: feedback.secrets,
    dkim: parseDkim(env, problems),
  };
  const mailFrom = (env.MAIL_FROM || 'Critically Endangered Socks <impact@localhost>').trim();
  checkMailFrom(mailFrom, problems);

  const logLevel = env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    problems.push('LOG_LEVEL must be one of debug, info, warn, error, silent');
  }

  const config: Config = {
    env: nodeEnv,
    port,
    databasePath,
    publicUrl,
    stripeApiUrl,
    mailFrom,
    logLevel: logLevel as Config['logLevel'],
    donationPerPair: parseDonationRates(env.DONATION_PER_PAIR ?? 'GBP:100', problems),
    trapWeeksPerPair: parseInteger(env.TRAP_WEEKS_PER_PAIR, 1, 'TRAP_WEEKS_PER_PAIR', problems, 1, 52),
    stripeSyncIntervalMs:
      !secrets.stripeSecretKey || env.STRIPE_SYNC_INTERVAL === 'off'
        ? 0
        : parseDuration(env.STRIPE_SYNC_INTERVAL, 900_000, 'STRIPE_SYNC_INTERVAL', problems, 10_000, 86_400_000),
    stripeQuietHours: parseInteger(env.STRIPE_QUIET_HOURS, 24, 'STRIPE_QUIET_HOURS', problems, 1, 720),
    webhookToleranceSeconds: parseInteger(
      env.STRIPE_WEBHOOK_TOLERANCE,
      300,
      'STRIPE_WEBHOOK_TOLERANCE',
      problems,
      1,
      86400,
    ),
    mail: parseMailSettings(env, problems),
    emailFeedback: feedback.settings,
    http: parseHttpTimeouts(env, problems),
    camtrapUploadMaxBytes:
      parseInteger(env.CAMTRAP_UPLOAD_MAX_MB, 200, 'CAMTRAP_UPLOAD_MAX_MB', problems, 1, 4096) * 1_048_576,
    ops: parseOpsSettings(env, env.MONTHLY_EMAIL_TZ || 'Europe/London', isProduction, problems),
    secrets: Object.freeze(secrets),
  };
  if (problems.length > 0)
    throw new ConfigError('invalid_configuration', `invalid configuration: ${problems.join('; ')}`, { problems });
  // Only a configuration that is otherwise good makes files of its own.
  return Object.freeze(isProduction ? config : { ...config, secrets: withDevelopmentSecrets(secrets, databasePath) });
}

/**
 * The webhook and session secrets. Production needs both set, in their real shapes, and refuses
 * any value this project has ever published. Elsewhere any value set is taken as it is.
 */
function parseSecrets(env: Env, isProduction: boolean, problems: string[]): Omit<Secrets, 'emailFeedback' | 'dkim'> {
  const webhookSecrets = (env.STRIPE_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const sessionSecret = env.SESSION_SECRET ?? '';
  if (isProduction) {
    if (webhookSecrets.length === 0) problems.push('STRIPE_WEBHOOK_SECRET is required in production');
    if (webhookSecrets.some((secret) => !/^whsec_[A-Za-z0-9_+/=-]{24,}$/.test(secret))) {
      problems.push(
        'STRIPE_WEBHOOK_SECRET values must be the signing secret Stripe shows for the endpoint ' +
          '(whsec_ and at least 24 more characters)',
      );
    }
    if (!sessionSecret) problems.push('SESSION_SECRET is required in production');
    else if (sessionSecret.length < 32 || new Set(sessionSecret).size < 10) {
      problems.push(
        'SESSION_SECRET must be at least 32 random characters in production (for example: openssl rand -base64 32)',
      );
    }
    const published = `is a value published with this project's source, which anyone can read: make a new one`;
    if (webhookSecrets.some(isPublishedSecret)) problems.push(`STRIPE_WEBHOOK_SECRET ${published}`);
    if (sessionSecret && isPublishedSecret(sessionSecret)) problems.push(`SESSION_SECRET ${published}`);
  }
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken && metricsToken.length < 24)
    problems.push('METRICS_TOKEN must be at least 24 random characters (for example: openssl rand -hex 24)');
  return Object.freeze({
    stripeWebhookSecrets: Object.freeze(webhookSecrets),
    stripeSecretKey: env.STRIPE_SECRET_KEY || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    sessionSecret,
    metricsToken,
  });
}

/** Outside production, a secret left unset comes from the data directory's own, made at random once. */
function withDevelopmentSecrets(secrets: Secrets, databasePath: string): Secrets {
  if (secrets.stripeWebhookSecrets.length > 0 && secrets.sessionSecret) return secrets;
  const development = readOrCreateDevelopmentSecrets(dataDirectoryOf(databasePath));
  return Object.freeze({
    ...secrets,
    stripeWebhookSecrets:
      secrets.stripeWebhookSecrets.length > 0
        ? secrets.stripeWebhookSecrets
        : Object.freeze([development.stripeWebhookSecret]),
    sessionSecret: secrets.sessionSecret || development.sessionSecret,
  });
}

/** Where the database lives, which is where the app keeps what it makes for itself. */
export function dataDirectoryOf(databasePath: string): string {
  return databasePath === ':memory:' ? './data' : path.dirname(path.resolve(databasePath));
}

/**
 * Short enough that a slow client cannot hold connections open (every form and webhook we take is
 * small), long enough for a phone on a bad line. Node itself requires the headers' deadline to fall
 * within the request's.
 */
function parseHttpTimeouts(env: Env, problems: string[]): HttpTimeouts {
  const timeouts = {
    headersTimeoutMs: parseDuration(env.HTTP_HEADERS_TIMEOUT, 20_000, 'HTTP_HEADERS_TIMEOUT', problems, 1000, 600_000),
    requestTimeoutMs: parseDuration(env.HTTP_REQUEST_TIMEOUT, 30_000, 'HTTP_REQUEST_TIMEOUT', problems, 1000, 600_000),
    keepAliveTimeoutMs: parseDuration(
      env.HTTP_KEEP_ALIVE_TIMEOUT,
      5_000,
      'HTTP_KEEP_ALIVE_TIMEOUT',
      problems,
      1000,
      600_000,
    ),
  };
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs)
    problems.push('HTTP_HEADERS_TIMEOUT must not be longer than HTTP_REQUEST_TIMEOUT');
  return Object.freeze(timeouts);
}

function checkUrl(raw: string, name: string, problems: string[]): void {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    problems.push(`${name} must be an http(s) URL (got "${raw}")`);
  }
}

/** "GBP:100,EUR:115" → { GBP: 100, EUR: 115 } */
function parseDonationRates(raw: string, problems: string[]): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z]{3}):(\d{1,9})$/.exec(part);
    if (!match) {
      problems.push(`DONATION_PER_PAIR must look like GBP:100,EUR:115 (got "${part}")`);
      continue;
    }
    rates[match[1]!.toUpperCase()] = Number(match[2]);
  }
  return Object.freeze(rates);
}
