import { createPrivateKey, createSign, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach } from 'vitest';
import { snsStringToSign, type SnsMessage } from '../../src/email/feedback/sns-signature.js';

/**
 * SES notifications inside signed SNS messages, and Postmark's webhooks, in the shapes their
 * documentation gives (sources in test/fixtures/sns/README.md).
 */

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'sns');
const signingKey = createPrivateKey(fs.readFileSync(path.join(FIXTURES, 'test-signing-key.pem')));
const forgerKey = createPrivateKey(fs.readFileSync(path.join(FIXTURES, 'forger-key.pem')));
const certificate = fs.readFileSync(path.join(FIXTURES, 'test-signing-cert.pem'), 'utf8');

export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';

/** A local stand-in for SNS's certificate host and subscription endpoint, counting every request. */
export interface SnsHost {
  origin: string;
  certUrl: string;
  requests: string[];
  close(): Promise<void>;
}

const hosts: SnsHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

export async function startSnsHost(): Promise<SnsHost> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.endsWith('.pem')) res.setHeader('content-type', 'application/x-x509-ca-cert').end(certificate);
    else res.setHeader('content-type', 'text/xml').end('<ConfirmSubscriptionResponse/>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const host: SnsHost = {
    origin,
    certUrl: `${origin}/SimpleNotificationService-test.pem`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  hosts.push(host);
  return host;
}

type Unsigned = Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>;

/** Signs an SNS message as SNS does (version 1: SHA1withRSA; 2: SHA256withRSA). */
export function signSns(
  message: Unsigned,
  opts: { certUrl: string; version?: '1' | '2'; isForged?: boolean },
): SnsMessage {
  const version = opts.version ?? '2';
  const unsigned = { ...message, SignatureVersion: version, SigningCertURL: opts.certUrl } as SnsMessage;
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(snsStringToSign(unsigned));
  return { ...unsigned, Signature: signer.sign(opts.isForged ? forgerKey : signingKey, 'base64') };
}

export function snsNotification(sesNotification: object, topicArn = TOPIC_ARN): Unsigned {
  return {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: topicArn,
    Message: JSON.stringify(sesNotification),
    Timestamp: new Date().toISOString(),
  };
}

export function snsSubscriptionConfirmation(subscribeOrigin: string, topicArn = TOPIC_ARN): Unsigned {
  const token =
    '2336412f37fb687f5d51e6e241d7700ae02f7124d8268910b858cb4db727ceeb2474bb937929d3bdd7ce5d0cce19325d036bc858d3c217426bcafa9c501a2cace93b83f1dd3797627467553dc438a8c974119496fc3eff026eaa5d14472ded6f9a5c43aec62d83ef5f49109da7176391';
  return {
    Type: 'SubscriptionConfirmation',
    MessageId: randomUUID(),
    Token: token,
    TopicArn: topicArn,
    Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `${subscribeOrigin}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`,
    Timestamp: new Date().toISOString(),
  };
}

/** The `mail` object SES puts in every notification: SES's own messageId, and our headers as sent. */
function sesMail(to: string, messageId: string | null, sentAt: string) {
  return {
    timestamp: sentAt,
    messageId: '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000',
    source: 'impact@socks.test',
    sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/socks.test',
    sendingAccountId: '123456789012',
    destination: [to],
    headersTruncated: false,
    headers: [
      { name: 'From', value: 'Critically Endangered Socks <impact@socks.test>' },
      { name: 'To', value: to },
      ...(messageId ? [{ name: 'Message-ID', value: messageId }] : []),
    ],
    commonHeaders: {
      from: ['Critically Endangered Socks <impact@socks.test>'],
      to: [to],
      ...(messageId && { messageId }),
    },
  };
}

export function sesBounce(opts: {
  to: string;
  messageId: string | null;
  bounceType: 'Permanent' | 'Transient' | 'Undetermined';
  at?: string;
  eventPublishing?: boolean;
}) {
  const at = opts.at ?? new Date().toISOString();
  return {
    [opts.eventPublishing ? 'eventType' : 'notificationType']: 'Bounce',
    bounce: {
      bounceType: opts.bounceType,
      bounceSubType: opts.bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [
        { emailAddress: opts.to, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
      ],
      timestamp: at,
      feedbackId: '00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000',
      remoteMtaIp: '127.0.2.0',
      reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
    },
    mail: sesMail(opts.to, opts.messageId, at),
  };
}

export function sesComplaint(opts: { to: string; messageId: string | null; at?: string }) {
  const at = opts.at ?? new Date().toISOString();
  return {
    notificationType: 'Complaint',
    complaint: {
      userAgent: 'AnyCompany Feedback Loop (V0.01)',
      complainedRecipients: [{ emailAddress: opts.to }],
      complaintFeedbackType: 'abuse',
      arrivalDate: at,
      timestamp: at,
      feedbackId: '000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000',
    },
    mail: sesMail(opts.to, opts.messageId, at),
  };
}

export function sesDelivery(opts: { to: string; messageId: string | null; at?: string }) {
  const at = opts.at ?? new Date().toISOString();
  return {
    notificationType: 'Delivery',
    delivery: {
      timestamp: at,
      processingTimeMillis: 546,
      recipients: [opts.to],
      smtpResponse: '250 ok:  Message 64111812 accepted',
      reportingMTA: 'a8-70.smtp-out.amazonses.com',
      remoteMtaIp: '127.0.2.0',
    },
    mail: sesMail(opts.to, opts.messageId, at),
  };
}

export function postmarkBounce(opts: { id: number; email: string; type: string; at?: string }) {
  return {
    RecordType: 'Bounce',
    MessageStream: 'outbound',
    ID: opts.id,
    Type: opts.type,
    TypeCode: opts.type === 'HardBounce' ? 1 : 4096,
    Name: opts.type === 'HardBounce' ? 'Hard bounce' : 'Soft bounce',
    Tag: 'monthly',
    MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
    Metadata: {},
    ServerID: 23,
    Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    Details: 'Test bounce details',
    Email: opts.email,
    From: 'impact@socks.test',
    BouncedAt: opts.at ?? new Date().toISOString(),
    DumpAvailable: true,
    Inactive: true,
    CanActivate: true,
    Subject: 'Your leopard impact',
    Content: 'Return-Path:<>',
  };
}

export function postmarkSpamComplaint(opts: { id: number; email: string; at?: string }) {
  return {
    RecordType: 'SpamComplaint',
    MessageStream: 'outbound',
    ID: opts.id,
    Type: 'SpamComplaint',
    TypeCode: 512,
    Name: 'Spam complaint',
    Tag: 'monthly',
    MessageID: '00000000-0000-0000-0000-000000000000',
    Metadata: {},
    ServerID: 1234,
    Description: '',
    Details: 'Test spam complaint details',
    Email: opts.email,
    From: 'impact@socks.test',
    BouncedAt: opts.at ?? new Date().toISOString(),
    DumpAvailable: true,
    Inactive: true,
    CanActivate: false,
    Subject: 'Your leopard impact',
    Content: '<Abuse report dump>',
  };
}

export function postmarkDelivery(opts: { messageId: string; email: string; at?: string }) {
  return {
    RecordType: 'Delivery',
    ServerID: 23,
    MessageStream: 'outbound',
    MessageID: opts.messageId,
    Recipient: opts.email,
    Tag: 'monthly',
    DeliveredAt: opts.at ?? new Date().toISOString(),
    Details: 'Test delivery webhook details',
    Metadata: {},
  };
}
