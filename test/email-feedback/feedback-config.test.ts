import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { makeTempDir } from '../helpers/test-app.js';

function configWith(env: Record<string, string>) {
  const dir = makeTempDir();
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: path.join(dir, 'socks.db'),
    STRIPE_WEBHOOK_SECRET: 'whsec_x',
    SESSION_SECRET: 'x',
    ...env,
  });
}

describe('bounce and complaint settings', () => {
  it('has every provider endpoint off, and 3 soft bounces in 30 days, by default', () => {
    const config = configWith({});
    expect(config.emailFeedback).toEqual({ sesTopicArns: [], softBounceLimit: 3, softBounceWindowMs: 30 * 86_400_000 });
    expect(config.secrets.emailFeedback).toEqual({ emailWebhookSecret: undefined, postmarkCredentials: undefined });
  });

  it('reads topics, credentials and the soft-bounce rule', () => {
    const config = configWith({
      SES_SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ses-feedback, arn:aws:sns:us-east-1:123456789012:other',
      POSTMARK_WEBHOOK_CREDENTIALS: 'bounces:a-long-random-password',
      EMAIL_SOFT_BOUNCE_LIMIT: '5',
      EMAIL_SOFT_BOUNCE_WINDOW: '72h',
    });
    expect(config.emailFeedback.sesTopicArns).toHaveLength(2);
    expect(config.emailFeedback).toMatchObject({ softBounceLimit: 5, softBounceWindowMs: 72 * 3_600_000 });
  });

  it('names every malformed setting at once', () => {
    expect(() =>
      configWith({
        SES_SNS_TOPIC_ARNS: 'ses-feedback',
        POSTMARK_WEBHOOK_CREDENTIALS: 'short:pw',
        EMAIL_SOFT_BOUNCE_LIMIT: '0',
        EMAIL_SOFT_BOUNCE_WINDOW: 'a month',
      }),
    ).toThrow(/SES_SNS_TOPIC_ARNS.*POSTMARK_WEBHOOK_CREDENTIALS.*EMAIL_SOFT_BOUNCE_LIMIT.*EMAIL_SOFT_BOUNCE_WINDOW/);
  });

  it('wants a long EMAIL_WEBHOOK_SECRET in production', () => {
    expect(() => configWith({ NODE_ENV: 'production', EMAIL_WEBHOOK_SECRET: 'short' })).toThrow(
      /EMAIL_WEBHOOK_SECRET must be at least 32/,
    );
  });
});
