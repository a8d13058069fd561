CREATE TABLE `console_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `staff_recovery_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`staff_id` integer NOT NULL,
	`code_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `staff_recovery_codes_staff` ON `staff_recovery_codes` (`staff_id`,`code_hash`);--> statement-breakpoint
CREATE TABLE `erased_emails` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email_hash` text NOT NULL,
	`supporter_id` integer NOT NULL,
	`erased_at` integer NOT NULL,
	FOREIGN KEY (`supporter_id`) REFERENCES `supporters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `erased_emails_hash` ON `erased_emails` (`email_hash`,`erased_at`);--> statement-breakpoint
ALTER TABLE `staff` ADD `totp_secret` text;--> statement-breakpoint
ALTER TABLE `staff` ADD `totp_enabled_at` integer;--> statement-breakpoint
ALTER TABLE `staff` ADD `totp_last_step` integer;--> statement-breakpoint
ALTER TABLE `staff` ADD `totp_pending_secret` text;--> statement-breakpoint
ALTER TABLE `staff_sessions` ADD `awaits_second_factor` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `supporters` ADD `erased_at` integer;