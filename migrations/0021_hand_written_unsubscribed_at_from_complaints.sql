-- Hand-written (drizzle-kit generate --custom): dates the unsubscribes made before 0020 added
-- `supporters.unsubscribed_at` where a record says when: a complaint notice that unsubscribed the
-- supporter (its latest). Unsubscribes by link left no time; they stay undated, and the dashboard
-- counts them apart. From now on each unsubscribe sets the column as it happens.
UPDATE `supporters`
SET `unsubscribed_at` = (
  SELECT max(`occurred_at`) FROM `email_notifications`
  WHERE `email_notifications`.`supporter_id` = `supporters`.`id` AND `effect` = 'unsubscribed'
)
WHERE `is_subscribed` = 0 AND `unsubscribed_at` IS NULL AND `erased_at` IS NULL;
