import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP sink in its own process for bench/email.ts: accepts every message, reads it whole, keeps
 * only a count. Commands over IPC: "count" answers the number received so far.
 */
let received = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  disableReverseLookup: true,
  logger: false,
  maxClients: 200,
  closeTimeout: 100,
  onData(stream, _session, callback) {
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: true, port: (server.server.address() as AddressInfo).port });
});
process.on('message', (message: { command: string }) => {
  if (message.command === 'count') process.send?.({ received, bytes });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
