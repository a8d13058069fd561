import net from 'node:net';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { MailTransport, OutgoingMessage, SendOutcome } from './transport.js';

export interface SmtpOptions {
  maxConnections: number;
  /** Messages per second; 0 for no limit. */
  ratePerSecond: number;
  /** DKIM_*: nodemailer signs every message (raw ones included) with this key. */
  dkim?: { domainName: string; keySelector: string; privateKey: string } | null;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
}

/** The SMTP stages at which a reply is about this message and recipient, not about the relay or us. */
const MESSAGE_STAGES = new Set(['RCPT TO', 'DATA']);
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * Nodemailer's pooled SMTP transport, for `SMTP_URL` (any option nodemailer reads from a URL's
 * query string works too). Nodemailer never retries on its own here (`maxRequeues: 0`): the outbox
 * decides, from the outcome this returns.
 */
export function createSmtpTransport(url: string, options: SmtpOptions): MailTransport {
  const transporter = nodemailer.createTransport(smtpPoolOptions(url, options));
  // Messages whose body has been read by the connection in full, by Message-ID: once it has, a
  // dropped connection leaves the outcome unknown, where before it the relay cannot have accepted it.
  const onBodySent = new Map<string, () => void>();
  transporter.use('stream', (mail, done) => {
    const watcher = onBodySent.get(String(mail.data.messageId));
    if (watcher) {
      const createReadStream = mail.message.createReadStream.bind(mail.message);
      // The stream only ends once the connection has read all of it, which starts after "354".
      mail.message.createReadStream = (...args) => createReadStream(...args).once('end', watcher);
    }
    done();
  });
  return {
    kind: 'smtp',
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      let raw: Buffer;
      try {
        raw = await composeMessage(message);
      } catch (error) {
        // Building it again will fail the same way: nothing to retry, and the relay never saw it.
        return {
          status: 'rejected',
          error: `could not build the message: ${(error as Error).message}`.slice(0, 500),
          isRecipientRejected: false,
        };
      }
      let isBodySent = false;
      onBodySent.set(message.messageId, () => {
        isBodySent = true;
      });
      try {
        // Built whole first, the message leaves in a few large writes instead of a write per MIME
        // line: a fifth of the CPU sending took was system calls for small writes.
        const info = await transporter.sendMail({
          envelope: { from: message.from, to: [message.to.address] },
          raw,
          messageId: message.messageId,
        });
        return { status: 'sent', response: String(info.response ?? '') };
      } catch (error) {
        return classifySmtpError(error as SmtpError, isBodySent);
      } finally {
        onBodySent.delete(message.messageId);
      }
    },
    close: () => transporter.close(),
  };
}

/** The message in nodemailer's terms. */
export function mailOptionsFor(message: OutgoingMessage): Mail.Options {
  return {
    from: message.from,
    to: message.to.name ? { name: message.to.name, address: message.to.address } : message.to.address,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    // Validated when queued; `prepared` keeps them byte for byte (List-Unsubscribe must not be folded).
    headers: Object.fromEntries(
      Object.entries(message.headers).map(([key, value]) => [key, { prepared: true, value }]),
    ),
  };
}

/** The complete RFC 5322 message, exactly as SMTP carries it and as the file outbox stores it. */
export function composeMessage(message: OutgoingMessage): Promise<Buffer> {
  return new MailComposer(mailOptionsFor(message)).compile().build();
}

/**
 * The options createSmtpTransport gives nodemailer; exported so the benchmark compares like with like.
 * `isNoDelay` turns off Nagle's algorithm, without which every message waits for a delayed ACK
 * (about 40 ms on Linux), a ceiling of ~20 messages a second per connection.
 */
export function smtpPoolOptions(url: string, options: SmtpOptions, isNoDelay = true): SMTPPool.Options {
  const fromUrl = parseConnectionUrl(url) as SMTPPool.Options & { proxy?: string };
  return {
    ...fromUrl,
    pool: true,
    maxConnections: options.maxConnections,
    maxMessages: 100,
    ...(options.ratePerSecond > 0 && { rateLimit: options.ratePerSecond, rateDelta: 1000 }),
    ...(options.dkim && { dkim: { ...options.dkim } }),
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    ...({ maxRequeues: 0 } as object),
    ...(isNoDelay && !fromUrl.proxy && { getSocket: connectWithoutDelay }),
  };
}

/** Opens the TCP connection nodemailer would, with TCP_NODELAY set (nodemailer upgrades it to TLS itself). */
function connectWithoutDelay(
  options: SMTPPool.Options,
  callback: (error: Error | null, socketOptions?: { connection: net.Socket }) => void,
): void {
  const socket = net.connect({ host: options.host ?? 'localhost', port: options.port ?? (options.secure ? 465 : 587) });
  socket.setNoDelay(true);
  socket.setTimeout(options.connectionTimeout ?? CONNECT_TIMEOUT_MS, () =>
    socket.destroy(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })),
  );
  socket.once('error', callback);
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.removeListener('error', callback);
    callback(null, { connection: socket });
  });
}

/**
 * Turns nodemailer's error into what the outbox should do. A reply code at RCPT or DATA is about
 * this recipient (4xx later, 5xx never); any other failure is about the relay or our settings, and
 * retried after a pause, unless the whole body had gone out, when delivery may have happened.
 */
export function classifySmtpError(error: SmtpError, isBodySent: boolean): SendOutcome {
  const message = `${error.code ? `${error.code}: ` : ''}${error.message}`.slice(0, 500);
  const code = error.responseCode;
  const isMessageStage = MESSAGE_STAGES.has(error.command ?? '');
  if (code && code >= 500 && isMessageStage) return { status: 'rejected', error: message, isRecipientRejected: true };
  if (code && code >= 400 && code < 500 && code !== 421 && isMessageStage)
    return { status: 'deferred', error: message };
  if (!code && isBodySent) return { status: 'unknown', error: message };
  // Problems nodemailer finds before talking to anyone (a malformed address, a message too large).
  if (!code && (error.code === 'EENVELOPE' || error.code === 'EMESSAGE'))
    return { status: 'rejected', error: message, isRecipientRejected: false };
  return { status: 'unavailable', error: message };
}
