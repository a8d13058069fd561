CREATE TABLE `censuses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`counted_on` text NOT NULL,
	`adults` integer NOT NULL,
	`adolescents` integer NOT NULL,
	`cubs` integer NOT NULL,
	`source` text NOT NULL,
	`note` text,
	`published_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `charges` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_intent_id` text,
	`amount_minor` integer NOT NULL,
	`amount_refunded_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`stripe_created` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `charges_payment_intent` ON `charges` (`payment_intent_id`);--> statement-breakpoint
CREATE TABLE `conversion_rates` (
	`rule_id` integer NOT NULL,
	`currency` text NOT NULL,
	`donation_per_pair_minor` integer NOT NULL,
	PRIMARY KEY(`rule_id`, `currency`),
	FOREIGN KEY (`rule_id`) REFERENCES `conversion_rules`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `conversion_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`effective_on` text NOT NULL,
	`trap_weeks_per_pair` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversion_rules_effective_on_unique` ON `conversion_rules` (`effective_on`);--> statement-breakpoint
CREATE TABLE `disputes` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_intent_id` text,
	`charge_id` text,
	`amount_minor` integer NOT NULL,
	`status` text NOT NULL,
	`stripe_created` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `disputes_payment_intent` ON `disputes` (`payment_intent_id`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`order_id` integer,
	`supporter_id` integer,
	`pairs` integer NOT NULL,
	`trap_weeks` integer NOT NULL,
	`donation_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	`reason` text NOT NULL,
	`event_id` text,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`supporter_id`) REFERENCES `supporters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ledger_order` ON `ledger_entries` (`order_id`);--> statement-breakpoint
CREATE INDEX `ledger_supporter` ON `ledger_entries` (`supporter_id`);--> statement-breakpoint
CREATE INDEX `ledger_occurred` ON `ledger_entries` (`occurred_at`);--> statement-breakpoint
CREATE TABLE `ledger_totals` (
	`scope` text PRIMARY KEY NOT NULL,
	`pairs` integer DEFAULT 0 NOT NULL,
	`trap_weeks` integer DEFAULT 0 NOT NULL,
	`supporters` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `order_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`stripe_line_item_id` text NOT NULL,
	`stripe_price_id` text,
	`stripe_product_id` text,
	`description` text,
	`quantity` integer NOT NULL,
	`pairs_per_unit` integer,
	`amount_total_minor` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `order_lines_item` ON `order_lines` (`order_id`,`stripe_line_item_id`);--> statement-breakpoint
CREATE INDEX `order_lines_price` ON `order_lines` (`stripe_price_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`checkout_session_id` text NOT NULL,
	`payment_intent_id` text,
	`supporter_id` integer,
	`status` text NOT NULL,
	`amount_total_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`livemode` integer DEFAULT false NOT NULL,
	`paid_at` integer,
	`rule_id` integer,
	`has_lines` integer DEFAULT false NOT NULL,
	`is_donation_rate_missing` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`supporter_id`) REFERENCES `supporters`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`rule_id`) REFERENCES `conversion_rules`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_checkout_session_id_unique` ON `orders` (`checkout_session_id`);--> statement-breakpoint
CREATE INDEX `orders_payment_intent` ON `orders` (`payment_intent_id`);--> statement-breakpoint
CREATE INDEX `orders_supporter` ON `orders` (`supporter_id`);--> statement-breakpoint
CREATE TABLE `products` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`stripe_price_id` text,
	`stripe_product_id` text,
	`name` text NOT NULL,
	`pairs_per_unit` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_stripe_price_id_unique` ON `products` (`stripe_price_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `products_stripe_product_id_unique` ON `products` (`stripe_product_id`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_intent_id` text,
	`charge_id` text,
	`amount_minor` integer NOT NULL,
	`status` text NOT NULL,
	`stripe_created` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `refunds_payment_intent` ON `refunds` (`payment_intent_id`);--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`api_version` text,
	`livemode` integer DEFAULT false NOT NULL,
	`stripe_created` integer NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`received_at` integer NOT NULL,
	`processed_at` integer
);
--> statement-breakpoint
CREATE INDEX `stripe_events_ready` ON `stripe_events` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `supporter_totals` (
	`supporter_id` integer PRIMARY KEY NOT NULL,
	`pairs` integer DEFAULT 0 NOT NULL,
	`trap_weeks` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`supporter_id`) REFERENCES `supporters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `supporters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`token` text NOT NULL,
	`is_subscribed` integer DEFAULT true NOT NULL,
	`is_deliverable` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `supporters_email_unique` ON `supporters` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `supporters_token_unique` ON `supporters` (`token`);