import fs from 'node:fs/promises';
import path from 'node:path';
import { composeMessage } from './smtp-transport.js';
import type { MailTransport, OutgoingMessage, SendOutcome } from './transport.js';

/**
 * Without SMTP_URL, each message becomes an `.eml` file (open it in any mail client), so the app
 * works on a fresh machine with no mail server. Files are named by outbox id (so they sort in the
 * order they were queued) and by the Message-ID fixed when queued (so two databases sharing the
 * directory never overwrite each other's), and written whole (temporary file, then rename): a
 * resend replaces the file instead of adding a second one.
 */
export function createFileTransport(dir: string): MailTransport {
  let isDirReady = false;
  return {
    kind: 'files',
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      try {
        if (!isDirReady) {
          await fs.mkdir(dir, { recursive: true });
          isDirReady = true;
        }
        const raw = await composeMessage(message);
        const file = path.join(dir, emlFileName(message));
        const partial = `${file}.partial`;
        await fs.writeFile(partial, raw);
        await fs.rename(partial, file);
        return { status: 'sent', response: `written to ${file}` };
      } catch (error) {
        // A full disk or a missing permission: nothing was written, so trying again later is safe.
        return { status: 'unavailable', error: error instanceof Error ? error.message : String(error) };
      }
    },
    close: () => {},
  };
}

/** `00000042-<the Message-ID's local part>.eml`, with anything a file name should not hold dropped. */
function emlFileName(message: Pick<OutgoingMessage, 'outboxId' | 'messageId'>): string {
  const unique =
    /^<?([^@>]*)/
      .exec(message.messageId)?.[1]
      ?.replace(/[^A-Za-z0-9-]/g, '')
      .slice(0, 64) ?? '';
  return `${String(message.outboxId).padStart(8, '0')}${unique ? `-${unique}` : ''}.eml`;
}
