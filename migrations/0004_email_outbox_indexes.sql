DROP INDEX `email_outbox_message_id_unique`;--> statement-breakpoint
DROP INDEX `email_outbox_state`;--> statement-breakpoint
CREATE INDEX `email_outbox_sending` ON `email_outbox` (`id`) WHERE state = 'sending';