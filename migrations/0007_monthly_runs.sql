CREATE TABLE `monthly_runs` (
	`period` text PRIMARY KEY NOT NULL,
	`completed_at` integer NOT NULL
);
--> statement-breakpoint
-- Months whose emails were queued before runs were recorded count as completed: a restart does not redo them.
INSERT INTO `monthly_runs` (`period`, `completed_at`)
SELECT substr(`idempotency_key`, 9, 7), max(`created_at`) FROM `email_outbox` WHERE `kind` = 'monthly' GROUP BY substr(`idempotency_key`, 9, 7);
