CREATE TABLE `email_notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`provider_id` text NOT NULL,
	`recipient` text NOT NULL,
	`type` text NOT NULL,
	`message_id` text,
	`outbox_id` integer,
	`supporter_id` integer,
	`send_key` text,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`detail` text,
	`effect` text NOT NULL,
	FOREIGN KEY (`outbox_id`) REFERENCES `email_outbox`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`supporter_id`) REFERENCES `supporters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_notifications_provider_id` ON `email_notifications` (`provider`,`provider_id`,`recipient`);--> statement-breakpoint
CREATE INDEX `email_notifications_recipient` ON `email_notifications` (`recipient`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `email_notifications_occurred` ON `email_notifications` (`occurred_at`);--> statement-breakpoint
CREATE TABLE `email_sent_counts` (
	`period` text NOT NULL,
	`kind` text NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`period`, `kind`)
);
--> statement-breakpoint
ALTER TABLE `email_outbox` ADD `feedback` text;--> statement-breakpoint
ALTER TABLE `email_outbox` ADD `feedback_at` integer;--> statement-breakpoint
ALTER TABLE `supporters` ADD `bounces_reset_at` integer;