import fs from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { parseDuration, parseInteger } from '../../lib/parse-env.js';

type Env = Record<string, string | undefined>;

/** Which provider webhooks are on, and what a run of soft bounces takes. */
export interface FeedbackSettings {
  /** SNS topics whose notifications (and subscription confirmations) we take: SES_SNS_TOPIC_ARNS. */
  readonly sesTopicArns: readonly string[];
  readonly softBounceLimit: number;
  readonly softBounceWindowMs: number;
}

export interface FeedbackSecrets {
  /** EMAIL_WEBHOOK_SECRET: signs the generic endpoint's bodies; unset, the endpoint answers 404. */
  readonly emailWebhookSecret: string | undefined;
  /** POSTMARK_WEBHOOK_CREDENTIALS, `user:password`; unset, the Postmark endpoint answers 404. */
  readonly postmarkCredentials: string | undefined;
}

/** DKIM signing for every message, when DKIM_DOMAIN, DKIM_SELECTOR and a key are all set. */
export interface DkimSettings {
  readonly domainName: string;
  readonly keySelector: string;
  readonly privateKey: string;
}

const TOPIC_ARN = /^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

export function parseFeedbackSettings(
  env: Env,
  isProduction: boolean,
  problems: string[],
): { settings: FeedbackSettings; secrets: FeedbackSecrets } {
  const sesTopicArns = (env.SES_SNS_TOPIC_ARNS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const arn of sesTopicArns.filter((a) => !TOPIC_ARN.test(a)))
    problems.push(
      `SES_SNS_TOPIC_ARNS must list SNS topic ARNs such as arn:aws:sns:eu-west-1:123456789012:ses-feedback (got "${arn}")`,
    );
  const emailWebhookSecret = env.EMAIL_WEBHOOK_SECRET || undefined;
  if (emailWebhookSecret && isProduction && emailWebhookSecret.length < 32)
    problems.push('EMAIL_WEBHOOK_SECRET must be at least 32 random characters in production (openssl rand -hex 32)');
  const postmarkCredentials = env.POSTMARK_WEBHOOK_CREDENTIALS || undefined;
  if (postmarkCredentials && !/^[^:]+:.{16,}$/.test(postmarkCredentials))
    problems.push('POSTMARK_WEBHOOK_CREDENTIALS must be user:password, with a password of 16 or more characters');
  return {
    settings: Object.freeze({
      sesTopicArns: Object.freeze(sesTopicArns),
      softBounceLimit: parseInteger(env.EMAIL_SOFT_BOUNCE_LIMIT, 3, 'EMAIL_SOFT_BOUNCE_LIMIT', problems, 1, 100),
      softBounceWindowMs: parseDuration(
        env.EMAIL_SOFT_BOUNCE_WINDOW,
        30 * 86_400_000,
        'EMAIL_SOFT_BOUNCE_WINDOW',
        problems,
        60_000,
        365 * 86_400_000,
      ),
    }),
    secrets: Object.freeze({ emailWebhookSecret, postmarkCredentials }),
  };
}

/** DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (PEM; `\n` may stand for new lines) or DKIM_PRIVATE_KEY_FILE. */
export function parseDkim(env: Env, problems: string[]): DkimSettings | null {
  const domainName = env.DKIM_DOMAIN?.trim();
  const keySelector = env.DKIM_SELECTOR?.trim();
  let privateKey = env.DKIM_PRIVATE_KEY?.replace(/\\n/g, '\n').trim();
  const keyFile = env.DKIM_PRIVATE_KEY_FILE?.trim();
  if (!domainName && !keySelector && !privateKey && !keyFile) return null;
  if (!privateKey && keyFile) {
    try {
      privateKey = fs.readFileSync(keyFile, 'utf8').trim();
    } catch {
      problems.push(`DKIM_PRIVATE_KEY_FILE cannot be read (got "${keyFile}")`);
      return null;
    }
  }
  if (!domainName || !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(domainName))
    problems.push('DKIM_DOMAIN must be the sending domain, such as socks.example');
  if (!keySelector || !/^[a-z0-9._-]{1,63}$/i.test(keySelector))
    problems.push('DKIM_SELECTOR must be the selector of the DNS record, such as mail2026');
  if (!privateKey)
    problems.push('DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE is needed with DKIM_DOMAIN and DKIM_SELECTOR');
  else {
    try {
      createPrivateKey(privateKey);
    } catch {
      problems.push('DKIM_PRIVATE_KEY is not a PEM private key');
    }
  }
  return domainName && keySelector && privateKey ? Object.freeze({ domainName, keySelector, privateKey }) : null;
}
