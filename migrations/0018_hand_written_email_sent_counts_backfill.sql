-- Hand-written (drizzle-kit generate --custom): fills email_sent_counts, added in 0017, from the
-- emails sent before it existed, so the bounce and complaint rates of earlier months have their
-- denominators. From now on the outbox counts each send as it records it.
INSERT INTO `email_sent_counts` (`period`, `kind`, `sent`)
SELECT strftime('%Y-%m', `sent_at` / 1000, 'unixepoch'), `kind`, count(*)
FROM `email_outbox`
WHERE `state` = 'sent' AND `sent_at` IS NOT NULL
GROUP BY 1, 2;
