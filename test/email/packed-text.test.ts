import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { packText, unpackText } from '../../src/db/packed-text.js';
import { emailOutbox } from '../../src/db/schema/index.js';
import { findOrCreateSupporter } from '../../src/supporters/supporters.queries.js';
import { createTestApp } from '../helpers/test-app.js';

describe('HTML bodies stored packed', () => {
  it('read back exactly as rendered, from a small BLOB', () => {
    const t = createTestApp();
    const supporter = findOrCreateSupporter(t.ctx.db, 'ada@example.org', 'Ada', t.clock.now());
    t.ctx.mail.mailer.queueImpactLink(t.ctx.db, supporter, 'req-1');

    const [row] = t.ctx.db.select().from(emailOutbox).where(eq(emailOutbox.recipient, 'ada@example.org')).all();
    const stored = t.ctx.db.get<{ type: string; bytes: number }>(
      sql`select typeof(html_body) as type, length(html_body) as bytes from email_outbox`,
    );

    expect(row!.htmlBody).toContain(`<a href="http://socks.test/impact/${supporter.token}"`);
    expect(row!.htmlBody.length).toBeGreaterThan(2000);
    expect(stored!.type).toBe('blob');
    expect(stored!.bytes).toBeLessThan(300);
  });

  it('round-trips any text, and reads plain text stored before packing as it is', () => {
    for (const text of ['', 'plain', '<p>Déjà vu — 🐆</p>'.repeat(50)]) expect(unpackText(packText(text))).toBe(text);
    expect(unpackText('<p>stored as text</p>')).toBe('<p>stored as text</p>');
    expect(() => unpackText(Buffer.from([9, 1, 2]))).toThrow('unknown packed text format 9');
  });
});
