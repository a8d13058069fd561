DROP INDEX `orders_supporter`;--> statement-breakpoint
ALTER TABLE `orders` ADD `pairs` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `trap_weeks` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `sold_pairs` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `refunded_pairs` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `reversed_pairs` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Each order's figures from its ledger entries so far; from now on the trigger below moves them with every entry.
UPDATE `orders` SET `pairs` = s.`pairs`, `trap_weeks` = s.`trap_weeks`, `sold_pairs` = s.`sold`, `refunded_pairs` = s.`refunded`, `reversed_pairs` = s.`reversed`
FROM (
  SELECT `order_id`, sum(`pairs`) AS `pairs`, sum(`trap_weeks`) AS `trap_weeks`,
    sum(CASE WHEN `kind` IN ('sale', 'adjustment') THEN `pairs` ELSE 0 END) AS `sold`,
    -sum(CASE WHEN `kind` = 'refund' THEN `pairs` ELSE 0 END) AS `refunded`,
    -sum(CASE WHEN `kind` IN ('dispute_lost', 'dispute_won') THEN `pairs` ELSE 0 END) AS `reversed`
  FROM `ledger_entries` WHERE `order_id` IS NOT NULL GROUP BY `order_id`
) AS s
WHERE `orders`.`id` = s.`order_id`;--> statement-breakpoint
CREATE INDEX `orders_supporter` ON `orders` (`supporter_id`,`paid_at`,`id`,`status`,`checkout_session_id`,`payment_intent_id`,`pairs`,`trap_weeks`,`sold_pairs`,`refunded_pairs`,`reversed_pairs`);--> statement-breakpoint
-- An order's figures move with every entry booked to it, whoever appends.
CREATE TRIGGER `order_figures_add` AFTER INSERT ON `ledger_entries` WHEN NEW.`order_id` IS NOT NULL BEGIN
  UPDATE `orders` SET
    `pairs` = `pairs` + NEW.`pairs`,
    `trap_weeks` = `trap_weeks` + NEW.`trap_weeks`,
    `sold_pairs` = `sold_pairs` + CASE WHEN NEW.`kind` IN ('sale', 'adjustment') THEN NEW.`pairs` ELSE 0 END,
    `refunded_pairs` = `refunded_pairs` - CASE WHEN NEW.`kind` = 'refund' THEN NEW.`pairs` ELSE 0 END,
    `reversed_pairs` = `reversed_pairs` - CASE WHEN NEW.`kind` IN ('dispute_lost', 'dispute_won') THEN NEW.`pairs` ELSE 0 END
  WHERE `id` = NEW.`order_id`;
END;
