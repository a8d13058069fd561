ALTER TABLE `staff` ADD `failed_sign_ins` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `staff` ADD `last_failed_sign_in_at` integer;--> statement-breakpoint
ALTER TABLE `staff` ADD `last_failed_sign_in_from` text;--> statement-breakpoint
ALTER TABLE `staff_sessions` ADD `sign_in_notice` text;--> statement-breakpoint
CREATE INDEX `login_failures_at` ON `login_failures` (`failed_at`);