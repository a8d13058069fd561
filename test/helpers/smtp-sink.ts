import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  /** What the sink told the client: accepted, dropped the connection, or never answered. */
  answer: 'accepted' | 'dropped' | 'hung';
  /** SMTP envelope: who the relay was asked to deliver to. */
  rcptTo: string[];
  mailFrom: string;
  raw: Buffer;
  parsed: ParsedMail;
}

/** An SMTP reply to refuse a recipient with, or null to accept them. */
export type RcptPolicy = (address: string, attempt: number) => { code: number; message: string } | null;
/**
 * What to do once a message's data has arrived in full: accept it, drop the connection without
 * answering, or never answer. A dropped or unanswered message still counts as received: a real
 * relay may well have delivered it.
 */
export type DataPolicy = (rcptTo: string[], attempt: number) => 'accept' | 'drop' | 'hang';

export interface SmtpSink {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedMail[];
  rcptPolicy: RcptPolicy;
  dataPolicy: DataPolicy;
  /** Resolves once `count` messages have been received in all. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 that keeps every message it accepts, parsed with mailparser. */
export async function startSmtpSink(
  port = 0,
  opts: { credentials?: { user: string; pass: string } } = {},
): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const rcptAttempts = new Map<string, number>();
  const dataAttempts = new Map<string, number>();
  let waiters: Array<() => boolean> = [];
  const count = (map: Map<string, number>, key: string) => {
    const n = (map.get(key) ?? 0) + 1;
    map.set(key, n);
    return n;
  };

  const sink: SmtpSink = {
    url: '',
    port: 0,
    received,
    rcptPolicy: () => null,
    dataPolicy: () => 'accept',
    waitFor(n, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`waited for ${n} messages, got ${received.length}`)),
          timeoutMs,
        );
        const check = () => {
          if (received.length < n) return false;
          clearTimeout(timer);
          resolve(received);
          return true;
        };
        if (!check()) waiters.push(check);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const server = new SMTPServer({
    // With credentials it asks for a login (over plain text: it listens on 127.0.0.1 only), as a relay does.
    authOptional: !opts.credentials,
    allowInsecureAuth: true,
    disabledCommands: opts.credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    onAuth(auth, _session, callback) {
      const isMatch = auth.username === opts.credentials?.user && auth.password === opts.credentials?.pass;
      callback(
        isMatch ? null : new Error('Invalid username or password'),
        isMatch ? { user: auth.username } : undefined,
      );
    },
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 50, // idle pooled connections from the app would otherwise hold close() for 30 s
    onRcptTo(address, _session, callback) {
      const refusal = sink.rcptPolicy(address.address, count(rcptAttempts, address.address));
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        const answer = sink.dataPolicy(rcptTo, count(dataAttempts, rcptTo.join(',')));
        const raw = Buffer.concat(chunks);
        void simpleParser(raw).then((parsed) => {
          const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          received.push({
            answer: answer === 'accept' ? 'accepted' : answer === 'drop' ? 'dropped' : 'hung',
            rcptTo,
            mailFrom,
            raw,
            parsed,
          });
          if (answer === 'accept') callback();
          else if (answer === 'drop') findSocket(server, session)?.destroy();
          waiters = waiters.filter((check) => !check());
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.server.address() as AddressInfo;
  Object.assign(sink, { port: address.port, url: `smtp://127.0.0.1:${address.port}` });
  return sink;
}

/** smtp-server keeps each connection's socket on its connection object, found by the session id. */
function findSocket(server: SMTPServer, session: SMTPServerSession): { destroy(): void } | undefined {
  const connections = (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> })
    .connections;
  for (const connection of connections ?? []) if (connection.id === session.id) return connection._socket;
  return undefined;
}
