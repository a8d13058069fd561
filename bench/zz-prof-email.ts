import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
const html = fs.readFileSync('/tmp/scratch/mail1.html', 'utf8'); const text = fs.readFileSync('/tmp/scratch/mail1.txt', 'utf8');
for (const variant of ['uuid', 'ordered', 'no-msgid-index', 'minified']) {
  for (const s of ['', '-wal', '-shm']) fs.rmSync('/tmp/scratch/q.db' + s, { force: true });
  fs.copyFileSync('/tmp/scratch/big.db', '/tmp/scratch/q.db');
  const db = new Database('/tmp/scratch/q.db'); db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL');
  if (variant === 'no-msgid-index') db.exec('drop index email_outbox_message_id_unique');
  const h = variant === 'minified' ? html.replace(/\n/g, '') : html;
  const ins = db.prepare(`insert into email_outbox (kind, idempotency_key, supporter_id, recipient, recipient_name, subject, text_body, html_body, headers, message_id, next_attempt_at, created_at, updated_at) values ('monthly', ?, ?, ?, null, 'Your leopard impact in October 2026', ?, ?, ?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing`);
  const now = Date.now();
  const tx = db.transaction((from: number) => { for (let i = from; i < from + 1000; i++) ins.run(`monthly:2026-10:${i}`, i, `supporter${i}@example.org`, text, h, '{"List-Unsubscribe":"<https://socks.example/unsubscribe/abcdefabcdefabcdefabcdefabcdefab>","List-Unsubscribe-Post":"List-Unsubscribe=One-Click"}', variant === 'ordered' ? `<${now.toString(36)}.${String(i).padStart(8, '0')}.${randomUUID().slice(0, 8)}@socks.example>` : `<${randomUUID()}@socks.example>`, now, now, now); });
  const s = performance.now();
  for (let p = 1; p <= 100; p++) tx(p * 1000 - 999);
  console.log(variant, ((performance.now() - s) / 1000).toFixed(2), 's', 'wal MB', (fs.statSync('/tmp/scratch/q.db-wal').size / 1048576).toFixed(0));
  db.close();
}
