CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`staff_id` integer,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`subject` text NOT NULL,
	`before` text,
	`after` text,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `donation_payment_voids` (
	`payment_id` integer PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`ledger_entry_id` integer NOT NULL,
	`voided_by_staff_id` integer,
	`voided_at` integer NOT NULL,
	FOREIGN KEY (`payment_id`) REFERENCES `donation_payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ledger_entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`voided_by_staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `donation_payments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`paid_on` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`reference` text NOT NULL,
	`note` text,
	`ledger_entry_id` integer NOT NULL,
	`recorded_by_staff_id` integer,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`ledger_entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recorded_by_staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `ledger_period_sums` (
	`period` text NOT NULL,
	`currency` text NOT NULL,
	`kind` text NOT NULL,
	`is_late` integer NOT NULL,
	`entries` integer NOT NULL,
	`pairs` integer NOT NULL,
	`trap_weeks` integer NOT NULL,
	`donation_minor` integer NOT NULL,
	PRIMARY KEY(`period`, `currency`, `kind`, `is_late`)
);
--> statement-breakpoint
CREATE TABLE `login_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`failed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_failures_key` ON `login_failures` (`key`,`failed_at`);--> statement-breakpoint
CREATE TABLE `month_balances` (
	`period` text NOT NULL,
	`currency` text NOT NULL,
	`opening_minor` integer NOT NULL,
	`accrued_minor` integer NOT NULL,
	`reversed_minor` integer NOT NULL,
	`paid_minor` integer NOT NULL,
	`closing_minor` integer NOT NULL,
	PRIMARY KEY(`period`, `currency`),
	FOREIGN KEY (`period`) REFERENCES `month_closes`(`period`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `month_closes` (
	`period` text PRIMARY KEY NOT NULL,
	`closed_at` integer NOT NULL,
	`closed_by_staff_id` integer,
	FOREIGN KEY (`closed_by_staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `staff` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_email_unique` ON `staff` (`email`);--> statement-breakpoint
CREATE TABLE `staff_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`staff_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `staff_sessions_staff` ON `staff_sessions` (`staff_id`);--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `period` text NOT NULL DEFAULT '';--> statement-breakpoint
CREATE INDEX `ledger_period` ON `ledger_entries` (`period`);--> statement-breakpoint
CREATE INDEX `order_lines_product` ON `order_lines` (`stripe_product_id`);--> statement-breakpoint
CREATE INDEX `order_lines_unmapped` ON `order_lines` (`order_id`) WHERE "pairs_per_unit" is null;--> statement-breakpoint
CREATE INDEX `orders_paid_at` ON `orders` (`paid_at`);--> statement-breakpoint
CREATE INDEX `orders_rate_missing` ON `orders` (`currency`) WHERE "is_donation_rate_missing" = 1;--> statement-breakpoint
CREATE INDEX `stripe_events_object` ON `stripe_events` (json_extract("payload", '$.data.object.id'));--> statement-breakpoint
CREATE INDEX `stripe_events_payment_intent` ON `stripe_events` (json_extract("payload", '$.data.object.payment_intent'));
--> statement-breakpoint
-- Entries written before accounting months existed are booked in the month they occurred (UTC).
UPDATE `ledger_entries` SET `period` = strftime('%Y-%m', `occurred_at` / 1000, 'unixepoch');--> statement-breakpoint
INSERT INTO `ledger_period_sums` (`period`, `currency`, `kind`, `is_late`, `entries`, `pairs`, `trap_weeks`, `donation_minor`)
  SELECT `period`, `currency`, `kind`, 0, count(*), sum(`pairs`), sum(`trap_weeks`), sum(`donation_minor`) FROM `ledger_entries` GROUP BY 1, 2, 3;--> statement-breakpoint
-- The month sums move with every append, whoever appends.
CREATE TRIGGER `ledger_period_sums_add` AFTER INSERT ON `ledger_entries` BEGIN
  INSERT INTO `ledger_period_sums` (`period`, `currency`, `kind`, `is_late`, `entries`, `pairs`, `trap_weeks`, `donation_minor`)
  VALUES (
    NEW.`period`, NEW.`currency`, NEW.`kind`,
    NEW.`period` > strftime('%Y-%m', NEW.`occurred_at` / 1000, 'unixepoch'),
    1, NEW.`pairs`, NEW.`trap_weeks`, NEW.`donation_minor`
  )
  ON CONFLICT (`period`, `currency`, `kind`, `is_late`) DO UPDATE SET
    `entries` = `entries` + 1,
    `pairs` = `pairs` + excluded.`pairs`,
    `trap_weeks` = `trap_weeks` + excluded.`trap_weeks`,
    `donation_minor` = `donation_minor` + excluded.`donation_minor`;
END;--> statement-breakpoint
-- A closed month never changes: nothing may be booked into it, whatever code tries.
CREATE TRIGGER `ledger_closed_month` BEFORE INSERT ON `ledger_entries`
  WHEN NEW.`period` = '' OR NEW.`period` <= (SELECT max(`period`) FROM `month_closes`)
BEGIN
  SELECT RAISE(ABORT, 'ledger entry booked into a closed or missing accounting month');
END;--> statement-breakpoint
-- The ledger is append-only: corrections are new entries.
CREATE TRIGGER `ledger_no_update` BEFORE UPDATE ON `ledger_entries` BEGIN
  SELECT RAISE(ABORT, 'ledger entries are append-only');
END;--> statement-breakpoint
CREATE TRIGGER `ledger_no_delete` BEFORE DELETE ON `ledger_entries` BEGIN
  SELECT RAISE(ABORT, 'ledger entries are append-only');
END;--> statement-breakpoint
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log` BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log` BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;--> statement-breakpoint
CREATE TRIGGER `month_closes_no_update` BEFORE UPDATE ON `month_closes` BEGIN
  SELECT RAISE(ABORT, 'a closed month stays closed');
END;--> statement-breakpoint
CREATE TRIGGER `month_closes_no_delete` BEFORE DELETE ON `month_closes` BEGIN
  SELECT RAISE(ABORT, 'a closed month stays closed');
END;--> statement-breakpoint
CREATE TRIGGER `month_balances_no_update` BEFORE UPDATE ON `month_balances` BEGIN
  SELECT RAISE(ABORT, 'a closed month stays closed');
END;--> statement-breakpoint
CREATE TRIGGER `month_balances_no_delete` BEFORE DELETE ON `month_balances` BEGIN
  SELECT RAISE(ABORT, 'a closed month stays closed');
END;
