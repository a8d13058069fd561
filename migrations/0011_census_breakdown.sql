ALTER TABLE `censuses` ADD `has_breakdown` integer DEFAULT true NOT NULL;--> statement-breakpoint
-- Until now a census with no adolescents and no cubs was read as a head count only; keep every
-- existing census showing exactly as it did. From here on staff say so themselves.
UPDATE `censuses` SET `has_breakdown` = false WHERE `adolescents` = 0 AND `cubs` = 0;
