import { createHash, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { appSendingTo, buy, rawHeaderLines, smtpSink } from '../email/mail-test-kit.js';
import { makeTempDir } from '../helpers/test-app.js';

function rsaKey(): { privatePem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

/** Checks a relaxed/relaxed rsa-sha256 DKIM signature (RFC 6376) as a receiving server would. */
function verifyDkim(raw: Buffer, publicKey: KeyObject): Record<string, string> {
  const text = raw.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const headers = text
    .slice(0, split + 2)
    .split(/\r\n(?![ \t])/)
    .filter(Boolean);
  const body = text.slice(split + 4);
  const relaxHeader = (h: string) => {
    const colon = h.indexOf(':');
    const value = h
      .slice(colon + 1)
      .replace(/\r\n/g, '')
      .replace(/[ \t]+/g, ' ')
      .trim();
    return `${h.slice(0, colon).trim().toLowerCase()}:${value}`;
  };
  const signature = headers.find((h) => /^dkim-signature:/i.test(h))!;
  const tags = Object.fromEntries(
    relaxHeader(signature)
      .slice('dkim-signature:'.length)
      .split(';')
      .map((tag) => {
        const eq = tag.indexOf('=');
        return [tag.slice(0, eq).trim(), tag.slice(eq + 1).replace(/\s+/g, '')];
      }),
  ) as Record<string, string>;
  let relaxedBody = body
    .split('\r\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
    .join('\r\n')
    .replace(/(\r\n)*$/, '');
  relaxedBody = relaxedBody ? `${relaxedBody}\r\n` : '';
  expect(createHash('sha256').update(relaxedBody).digest('base64')).toBe(tags.bh);
  const used = new Set<string>();
  const signed = tags.h!.split(':').map((name) => {
    const found = [...headers]
      .reverse()
      .find((h) => h.toLowerCase().startsWith(`${name.toLowerCase()}:`) && !used.has(h));
    if (found) used.add(found);
    return found ? `${relaxHeader(found)}\r\n` : '';
  });
  const unsignedSignature = relaxHeader(signature)
    .replace(/b=[^;]*$/, 'b=')
    .replace(/(;\s*b=)[^;]*;/, '$1;');
  const verifier = createVerify('RSA-SHA256');
  verifier.update(signed.join('') + unsignedSignature);
  expect(verifier.verify(publicKey, tags.b!, 'base64')).toBe(true);
  return tags;
}

describe('DKIM', () => {
  it('signs every message when DKIM_DOMAIN, DKIM_SELECTOR and a key are set', async () => {
    const { privatePem, publicKey } = rsaKey();
    const sink = await smtpSink();
    const t = appSendingTo(sink, {
      env: {
        DKIM_DOMAIN: 'socks.test',
        DKIM_SELECTOR: 'mail2026',
        DKIM_PRIVATE_KEY: privatePem.replace(/\n/g, '\\n'), // as one line, the way .env files hold it
        MAIL_FROM: 'Critically Endangered Socks <impact@socks.test>',
      },
    });
    await buy(t, { email: 'ada@example.org', pairs: 1 });
    await t.ctx.mail.outbox.drain();
    const [mail] = await sink.waitFor(1);
    expect(rawHeaderLines(mail!.raw).some((line) => /^DKIM-Signature:/i.test(line))).toBe(true);
    const tags = verifyDkim(mail!.raw, publicKey);
    expect(tags).toMatchObject({ a: 'rsa-sha256', d: 'socks.test', s: 'mail2026' });
    expect(tags.h!.toLowerCase().split(':')).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'message-id']));
  });

  it('reads the key from DKIM_PRIVATE_KEY_FILE, and refuses an incomplete or broken setting', () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'dkim.pem');
    fs.writeFileSync(file, rsaKey().privatePem);
    const base = {
      NODE_ENV: 'test',
      DATABASE_PATH: path.join(dir, 'socks.db'),
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      SESSION_SECRET: 'x',
    };
    const config = loadConfig({ ...base, DKIM_DOMAIN: 'socks.test', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY_FILE: file });
    expect(config.secrets.dkim).toMatchObject({ domainName: 'socks.test', keySelector: 's1' });
    expect(() => loadConfig({ ...base, DKIM_DOMAIN: 'socks.test' })).toThrow(/DKIM_SELECTOR.*DKIM_PRIVATE_KEY/);
    expect(() =>
      loadConfig({ ...base, DKIM_DOMAIN: 'socks.test', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: 'not a key' }),
    ).toThrow(/DKIM_PRIVATE_KEY is not a PEM private key/);
    expect(loadConfig(base).secrets.dkim).toBeNull();
  });
});
