import fs from 'node:fs';
import { parseInteger } from './lib/parse-env.js';
import { checkMailFrom, parseMailSettings, type MailSettings } from './email/mail-config.js';

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
  /** Seconds a webhook signature stays valid (Stripe's default is 300). */
  readonly webhookToleranceSeconds: number;
  /** Outbox directory, SMTP pool and rate, and the monthly email schedule. */
  readonly mail: MailSettings;
  readonly secrets: Secrets;
}

export interface Secrets {
  /** Several secrets may be active at once while one is being rotated out. */
  readonly stripeWebhookSecrets: readonly string[];
  readonly stripeSecretKey: string | undefined;
  readonly smtpUrl: string | undefined;
  readonly sessionSecret: string;
}

export const DEV_WEBHOOK_SECRET = 'whsec_development_only_not_a_real_secret';
const DEV_SESSION_SECRET = 'development-only-session-secret-change-me';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads `.env` (when present) under the real environment, which wins. */
export function readEnv(envFile = '.env'): Env {
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

  const webhookSecrets = (env.STRIPE_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (webhookSecrets.length === 0) {
    if (isProduction) problems.push('STRIPE_WEBHOOK_SECRET is required in production');
    else webhookSecrets.push(DEV_WEBHOOK_SECRET);
  }
  // Shapes are enforced where a mistake costs real money or sessions: in production. Elsewhere any
  // secret will do (a test suite's, a colleague's), as Stripe's own library accepts any string.
  if (isProduction && webhookSecrets.some((secret) => !secret.startsWith('whsec_'))) {
    problems.push('STRIPE_WEBHOOK_SECRET values must start with whsec_ (the signing secret Stripe shows for the endpoint)');
  }
  let sessionSecret = env.SESSION_SECRET ?? '';
  if (!sessionSecret) {
    if (isProduction) problems.push('SESSION_SECRET is required in production');
    else sessionSecret = DEV_SESSION_SECRET;
  } else if (isProduction && sessionSecret.length < 32) {
    problems.push('SESSION_SECRET must be at least 32 characters in production');
  }

  const mailFrom = (env.MAIL_FROM || 'Critically Endangered Socks <impact@localhost>').trim();
  checkMailFrom(mailFrom, problems);

  const logLevel = env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    problems.push('LOG_LEVEL must be one of debug, info, warn, error, silent');
  }

  const config: Config = {
    env: nodeEnv,
    port,
    databasePath: env.DATABASE_PATH || './data/socks.db',
    publicUrl,
    stripeApiUrl,
    mailFrom,
    logLevel: logLevel as Config['logLevel'],
    donationPerPair: parseDonationRates(env.DONATION_PER_PAIR ?? 'GBP:100', problems),
    trapWeeksPerPair: parseInteger(env.TRAP_WEEKS_PER_PAIR, 1, 'TRAP_WEEKS_PER_PAIR', problems, 1, 52),
    webhookToleranceSeconds: parseInteger(env.STRIPE_WEBHOOK_TOLERANCE, 300, 'STRIPE_WEBHOOK_TOLERANCE', problems, 1, 86400),
    mail: parseMailSettings(env, problems),
    secrets: Object.freeze({
      stripeWebhookSecrets: Object.freeze(webhookSecrets),
      stripeSecretKey: env.STRIPE_SECRET_KEY || undefined,
      smtpUrl,
      sessionSecret,
    }),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
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
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([A-Za-z]{3}):(\d{1,9})$/.exec(part);
    if (!match) {
      problems.push(`DONATION_PER_PAIR must look like GBP:100,EUR:115 (got "${part}")`);
      continue;
    }
    rates[match[1]!.toUpperCase()] = Number(match[2]);
  }
  return Object.freeze(rates);
}
