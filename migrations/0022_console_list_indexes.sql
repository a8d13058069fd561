CREATE INDEX `email_outbox_state` ON `email_outbox` (`state`);--> statement-breakpoint
CREATE INDEX `email_outbox_kind` ON `email_outbox` (`kind`);--> statement-breakpoint
CREATE INDEX `email_outbox_recipient` ON `email_outbox` (`recipient`);--> statement-breakpoint
CREATE INDEX `email_outbox_sent_at` ON `email_outbox` (`sent_at`);--> statement-breakpoint
CREATE INDEX `email_outbox_kind_sent_at` ON `email_outbox` (`kind`,`sent_at`);--> statement-breakpoint
CREATE INDEX `email_outbox_unsent_due` ON `email_outbox` (`next_attempt_at`) WHERE state <> 'sent';--> statement-breakpoint
CREATE INDEX `email_outbox_unsent_state_due` ON `email_outbox` (`state`,`next_attempt_at`) WHERE state <> 'sent';--> statement-breakpoint
CREATE INDEX `orders_created_at` ON `orders` (`created_at`);--> statement-breakpoint
CREATE INDEX `orders_amount` ON `orders` (`amount_total_minor`);--> statement-breakpoint
CREATE INDEX `orders_status_created_at` ON `orders` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_status_paid_at` ON `orders` (`status`,`paid_at`);--> statement-breakpoint
CREATE INDEX `orders_status_amount` ON `orders` (`status`,`amount_total_minor`);--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_log_actor_at` ON `audit_log` (`actor`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_action_at` ON `audit_log` (`action`,`at`);--> statement-breakpoint
CREATE INDEX `stripe_events_received` ON `stripe_events` (`received_at`);--> statement-breakpoint
CREATE INDEX `stripe_events_created` ON `stripe_events` (`stripe_created`);--> statement-breakpoint
CREATE INDEX `stripe_events_status_received` ON `stripe_events` (`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `stripe_events_status_created` ON `stripe_events` (`status`,`stripe_created`);--> statement-breakpoint
CREATE INDEX `stripe_events_type_received` ON `stripe_events` (`type`,`received_at`);--> statement-breakpoint
CREATE INDEX `stripe_events_type_created` ON `stripe_events` (`type`,`stripe_created`);