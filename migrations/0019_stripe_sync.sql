CREATE TABLE `stripe_sync_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`reached_created` integer,
	`run_from` integer,
	`run_up_to` integer,
	`page_after` text,
	`last_run_at` integer,
	`last_success_at` integer,
	`last_error` text,
	`last_found_new_at` integer
);
--> statement-breakpoint
ALTER TABLE `stripe_events` ADD `source` text DEFAULT 'webhook' NOT NULL;--> statement-breakpoint
CREATE INDEX `stripe_events_source` ON `stripe_events` (`source`,`received_at`);