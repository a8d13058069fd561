CREATE TABLE `ledger_week_sums` (
	`week` text NOT NULL,
	`kind` text NOT NULL,
	`entries` integer NOT NULL,
	`pairs` integer NOT NULL,
	`trap_weeks` integer NOT NULL,
	PRIMARY KEY(`week`, `kind`)
);
--> statement-breakpoint
ALTER TABLE `supporters` ADD `unsubscribed_at` integer;--> statement-breakpoint
CREATE INDEX `supporters_unsubscribed` ON `supporters` (`unsubscribed_at`,`erased_at`) WHERE is_subscribed = 0;--> statement-breakpoint
CREATE INDEX `email_notifications_type` ON `email_notifications` (`type`,`occurred_at`);