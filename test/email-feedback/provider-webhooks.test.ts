import { describe, expect, it } from 'vitest';
import { appSendingTo, buy, smtpSink } from '../email/mail-test-kit.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { feedbackEnv, lastEmailTo, notificationRows, POSTMARK_CREDENTIALS, supporterFlags } from './feedback-kit.js';
import {
  postmarkBounce,
  postmarkDelivery,
  postmarkSpamComplaint,
  sesBounce,
  sesComplaint,
  sesDelivery,
  signSns,
  snsNotification,
  snsSubscriptionConfirmation,
  startSnsHost,
  TOPIC_ARN,
  type SnsHost,
} from './provider-payloads.js';

const sesEnv = { ...feedbackEnv, SES_SNS_TOPIC_ARNS: TOPIC_ARN };

async function sesApp(opts: { withMail?: boolean } = {}) {
  const sns = await startSnsHost();
  const overrides = { snsTrustedOrigins: [sns.origin] };
  const t = opts.withMail
    ? appSendingTo(await smtpSink(), { env: sesEnv, overrides })
    : createTestApp({ env: sesEnv, overrides });
  return { t, sns };
}

/** Posts as SNS does: JSON in a text/plain body. */
function postSns(t: TestApp, message: object | string) {
  return t.http
    .post('/webhooks/email/ses')
    .set('content-type', 'text/plain; charset=UTF-8')
    .set('x-amz-sns-message-type', 'Notification')
    .send(typeof message === 'string' ? message : JSON.stringify(message));
}

describe('Amazon SES through SNS', () => {
  it('applies signed Bounce, Complaint and Delivery notifications, fetching the certificate once', async () => {
    const { t, sns } = await sesApp({ withMail: true });
    for (const email of ['ada@example.org', 'bo@example.org', 'cy@example.org', 'di@example.org'])
      await buy(t, { email, pairs: 1 });
    await t.ctx.mail.outbox.drain();
    const id = (email: string) => lastEmailTo(t, email, 'receipt').messageId;
    const sign = (n: object, version?: '1' | '2') => signSns(snsNotification(n), { certUrl: sns.certUrl, version });

    const answers = await Promise.all([
      postSns(
        t,
        sign(sesBounce({ to: 'ada@example.org', messageId: id('ada@example.org'), bounceType: 'Permanent' }), '1'),
      ),
      postSns(t, sign(sesComplaint({ to: 'bo@example.org', messageId: id('bo@example.org') }))),
      postSns(t, sign(sesDelivery({ to: 'cy@example.org', messageId: id('cy@example.org') }))),
      // Event publishing (a configuration set) says eventType; a Transient bounce is soft.
      postSns(
        t,
        sign(sesBounce({ to: 'di@example.org', messageId: null, bounceType: 'Transient', eventPublishing: true })),
      ),
    ]);

    expect(answers.map((a) => [a.status, a.body.stored])).toEqual([
      [200, 1],
      [200, 1],
      [200, 1],
      [200, 1],
    ]);
    expect(supporterFlags(t, 'ada@example.org').isDeliverable).toBe(false);
    expect(supporterFlags(t, 'bo@example.org').isSubscribed).toBe(false);
    expect(lastEmailTo(t, 'cy@example.org', 'receipt').feedback).toBe('delivered');
    expect(supporterFlags(t, 'di@example.org').isDeliverable).toBe(true);
    expect(notificationRows(t).map((n) => [n.recipient, n.type, n.effect])).toEqual(
      expect.arrayContaining([
        ['ada@example.org', 'hard_bounce', 'undeliverable'],
        ['bo@example.org', 'complaint', 'unsubscribed'],
        ['cy@example.org', 'delivery', 'recorded'],
        ['di@example.org', 'soft_bounce', 'soft_counted'],
      ]),
    );
    expect(sns.requests.filter((r) => r.endsWith('.pem'))).toHaveLength(1);
  });

  it('changes nothing when SNS delivers the same notification again', async () => {
    const { t, sns } = await sesApp({ withMail: true });
    await buy(t, { email: 'ada@example.org', pairs: 1 });
    await t.ctx.mail.outbox.drain();
    const messageId = lastEmailTo(t, 'ada@example.org', 'receipt').messageId;
    const message = signSns(snsNotification(sesBounce({ to: 'ada@example.org', messageId, bounceType: 'Permanent' })), {
      certUrl: sns.certUrl,
    });
    expect((await postSns(t, message)).body).toEqual({ received: true, stored: 1, duplicates: 0 });
    expect((await postSns(t, message)).body).toEqual({ received: true, stored: 0, duplicates: 1 });
    expect(notificationRows(t)).toHaveLength(1);
  });

  it('confirms the subscription of a configured topic at its SNS address', async () => {
    const { t, sns } = await sesApp();
    const response = await postSns(t, signSns(snsSubscriptionConfirmation(sns.origin), { certUrl: sns.certUrl }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, subscription: 'confirmed' });
    expect(sns.requests.some((r) => r.startsWith('/?Action=ConfirmSubscription'))).toBe(true);
  });

  describe('refuses forged or unwanted messages: a 4xx, nothing written, nothing fetched from elsewhere', () => {
    const cases: Array<[string, (sns: SnsHost, elsewhere: SnsHost) => object | string, number]> = [
      [
        'a wrong signature',
        (sns) =>
          signSns(snsNotification(sesBounce({ to: 'ada@example.org', messageId: null, bounceType: 'Permanent' })), {
            certUrl: sns.certUrl,
            isForged: true,
          }),
        401,
      ],
      [
        'a message altered after signing',
        (sns) => ({
          ...signSns(snsNotification(sesBounce({ to: 'bo@example.org', messageId: null, bounceType: 'Transient' })), {
            certUrl: sns.certUrl,
          }),
          Message: JSON.stringify(sesBounce({ to: 'ada@example.org', messageId: null, bounceType: 'Permanent' })),
        }),
        401,
      ],
      [
        'a certificate from a host that is not AWS',
        (_sns, elsewhere) =>
          signSns(snsNotification(sesComplaint({ to: 'ada@example.org', messageId: null })), {
            certUrl: elsewhere.certUrl,
          }),
        401,
      ],
      [
        'a SigningCertURL that is not https',
        () =>
          signSns(snsNotification(sesComplaint({ to: 'ada@example.org', messageId: null })), {
            certUrl: 'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem',
          }),
        401,
      ],
      [
        'a look-alike AWS host',
        () =>
          signSns(snsNotification(sesComplaint({ to: 'ada@example.org', messageId: null })), {
            certUrl: 'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem',
          }),
        401,
      ],
      [
        'a notification from a topic not configured',
        (sns) =>
          signSns(
            snsNotification(
              sesComplaint({ to: 'ada@example.org', messageId: null }),
              'arn:aws:sns:eu-west-1:999999999999:other',
            ),
            { certUrl: sns.certUrl },
          ),
        403,
      ],
      [
        'a SubscriptionConfirmation for a topic not configured',
        (sns) =>
          signSns(snsSubscriptionConfirmation(sns.origin, 'arn:aws:sns:eu-west-1:999999999999:other'), {
            certUrl: sns.certUrl,
          }),
        403,
      ],
      [
        'a SubscriptionConfirmation whose SubscribeURL is not SNS',
        (sns, elsewhere) => signSns(snsSubscriptionConfirmation(elsewhere.origin), { certUrl: sns.certUrl }),
        403,
      ],
      ['malformed JSON', () => '{"Type": "Notification",', 400],
      ['a body that is not an SNS message', () => ({ Type: 'Notification', hello: 'world' }), 400],
      ['an oversized body', () => 'x'.repeat(300_000), 413],
    ];
    it.each(cases)('%s', async (_name, build, status) => {
      const { t, sns } = await sesApp();
      const elsewhere = await startSnsHost(); // a host the app does not trust
      const response = await postSns(t, build(sns, elsewhere));
      expect(response.status).toBe(status);
      expect(notificationRows(t)).toHaveLength(0);
      expect(elsewhere.requests).toEqual([]);
      if (status === 403) expect(sns.requests.filter((r) => r.startsWith('/?Action'))).toEqual([]);
    });
  });
});

describe('Postmark', () => {
  function postPostmark(t: TestApp, body: object, credentials = POSTMARK_CREDENTIALS) {
    const [user, password] = credentials.split(':') as [string, string];
    return t.http
      .post('/webhooks/email/postmark')
      .auth(user, password)
      .set('content-type', 'application/json')
      .send(JSON.stringify(body));
  }

  it('applies bounce, spam-complaint and delivery webhooks, matched by address and time', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { env: feedbackEnv });
    for (const email of ['ada@example.org', 'bo@example.org', 'cy@example.org']) await buy(t, { email, pairs: 1 });
    await t.ctx.mail.outbox.drain();
    const later = new Date(t.clock.now() + 60_000).toISOString();

    const answers = [
      await postPostmark(
        t,
        postmarkBounce({ id: 4323372036854775807, email: 'ada@example.org', type: 'HardBounce', at: later }),
      ),
      await postPostmark(t, postmarkSpamComplaint({ id: 42, email: 'bo@example.org', at: later })),
      await postPostmark(t, postmarkDelivery({ messageId: 'pm-1', email: 'cy@example.org', at: later })),
      await postPostmark(t, postmarkBounce({ id: 43, email: 'cy@example.org', type: 'AutoResponder', at: later })),
    ];

    expect(answers.map((a) => [a.status, a.body.stored])).toEqual([
      [200, 1],
      [200, 1],
      [200, 1],
      [200, 0],
    ]);
    expect(supporterFlags(t, 'ada@example.org').isDeliverable).toBe(false);
    expect(supporterFlags(t, 'bo@example.org')).toEqual({ isDeliverable: true, isSubscribed: false });
    expect(lastEmailTo(t, 'cy@example.org', 'receipt').feedback).toBe('delivered');
    expect(notificationRows(t).every((n) => /^receipt:\d{4}-\d{2}$/.test(n.sendKey ?? ''))).toBe(true);
  });

  it('refuses missing or wrong credentials and writes nothing', async () => {
    const t = createTestApp({ env: feedbackEnv });
    const body = postmarkBounce({ id: 1, email: 'ada@example.org', type: 'HardBounce' });
    expect((await postPostmark(t, body, 'postmark:wrong-password-of-some-length')).status).toBe(401);
    expect((await t.http.post('/webhooks/email/postmark').send(JSON.stringify(body))).status).toBe(401);
    expect(notificationRows(t)).toHaveLength(0);
  });
});
