CREATE TABLE `retired_tokens` (
	`token` text PRIMARY KEY NOT NULL,
	`supporter_id` integer NOT NULL,
	`retired_at` integer NOT NULL,
	FOREIGN KEY (`supporter_id`) REFERENCES `supporters`(`id`) ON UPDATE no action ON DELETE no action
);
