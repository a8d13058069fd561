DROP INDEX `ledger_supporter`;--> statement-breakpoint
CREATE INDEX `ledger_supporter` ON `ledger_entries` (`supporter_id`,`order_id`,`kind`,`pairs`,`trap_weeks`);--> statement-breakpoint
DROP INDEX `orders_supporter`;--> statement-breakpoint
CREATE INDEX `orders_supporter` ON `orders` (`supporter_id`,`paid_at`,`id`,`status`,`checkout_session_id`,`payment_intent_id`);