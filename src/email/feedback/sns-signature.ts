import { createVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { BadRequestError, TemporaryError, UnauthorizedError } from '../../errors.js';
import { parseJsonObject } from './generic-notifications.js';

/** An Amazon SNS message posted to an HTTPS subscription (docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html). */
export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

const TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);

/** The fields each type signs, in the order SNS writes them into the string to sign. */
const SIGNED_FIELDS: Record<SnsMessage['Type'], Array<keyof SnsMessage>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** Reads the body as an SNS message, checking only its shape (a 400 otherwise). */
export function parseSnsMessage(body: Buffer): SnsMessage {
  const m = parseJsonObject(body);
  const isText = (key: string, max: number) => typeof m[key] === 'string' && (m[key] as string).length <= max;
  if (
    !TYPES.has(m.Type as string) ||
    !isText('MessageId', 100) ||
    !isText('TopicArn', 300) ||
    !isText('Message', 200_000) ||
    !isText('Timestamp', 40) ||
    !(m.SignatureVersion === '1' || m.SignatureVersion === '2') ||
    !isText('Signature', 2000) ||
    !isText('SigningCertURL', 500)
  )
    throw new BadRequestError('invalid_body', 'The body is not an Amazon SNS message.');
  if (m.Type !== 'Notification' && (!isText('SubscribeURL', 2000) || !isText('Token', 2000)))
    throw new BadRequestError('invalid_body', 'The confirmation has no SubscribeURL or Token.');
  return m as unknown as SnsMessage;
}

/** "Key\nvalue\n" for each signed field present, in SNS's order. */
export function snsStringToSign(message: SnsMessage): string {
  return SIGNED_FIELDS[message.Type]
    .filter((key) => typeof message[key] === 'string')
    .map((key) => `${key}\n${message[key]}\n`)
    .join('');
}

/**
 * Whether SNS could have sent us to this URL: https on an SNS endpoint of AWS
 * (`sns.<region>.amazonaws.com`, `.amazonaws.com.cn` in China). `extraOrigins` is for tests alone:
 * it comes only from createContext's overrides, never from the environment.
 */
export function isSnsUrl(raw: string, extraOrigins: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (extraOrigins.includes(url.origin)) return true;
  return (
    url.protocol === 'https:' &&
    url.port === '' &&
    url.username === '' &&
    /^sns\.[a-z0-9-]{1,30}\.amazonaws\.com(\.cn)?$/.test(url.hostname)
  );
}

const MAX_CERTIFICATE_BYTES = 16_384;
const MAX_CACHED = 50;

/**
 * SNS signing certificates, fetched only from SNS's own hosts (no redirects), each once: the public
 * key is cached by URL (SNS rotates certificates rarely, and a new one has a new URL).
 */
export class SnsCertificates {
  private readonly cache = new Map<string, Promise<KeyObject>>();

  constructor(private readonly extraOrigins: readonly string[]) {}

  async publicKey(url: string): Promise<KeyObject> {
    if (!isSnsUrl(url, this.extraOrigins) || !new URL(url).pathname.endsWith('.pem'))
      throw new UnauthorizedError('untrusted_certificate', 'SigningCertURL is not an Amazon SNS certificate.');
    let key = this.cache.get(url);
    if (!key) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      key = fetchPublicKey(url);
      this.cache.set(url, key);
      key.catch(() => this.cache.delete(url)); // a failed fetch is tried again next time
    }
    return key;
  }
}

async function fetchPublicKey(url: string): Promise<KeyObject> {
  let pem: string;
  try {
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    pem = await response.text();
  } catch (error) {
    throw new TemporaryError('certificate_unavailable', 'The SNS signing certificate could not be fetched.', {
      cause: error,
    });
  }
  try {
    if (pem.length > MAX_CERTIFICATE_BYTES) throw new Error('too large');
    return new X509Certificate(pem).publicKey;
  } catch (error) {
    throw new UnauthorizedError('untrusted_certificate', 'SigningCertURL is not a certificate.', { cause: error });
  }
}

/** Checks the message's signature (version 1: SHA1withRSA; 2: SHA256withRSA) with its certificate. */
export async function verifySnsMessage(message: SnsMessage, certificates: SnsCertificates): Promise<void> {
  const key = await certificates.publicKey(message.SigningCertURL);
  const verifier = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  verifier.update(snsStringToSign(message), 'utf8');
  if (!verifier.verify(key, message.Signature, 'base64'))
    throw new UnauthorizedError('bad_signature', 'The SNS signature does not match the message.');
}
