CREATE TABLE `camera_weeks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`deployment_row_id` integer NOT NULL,
	`slot` integer NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`is_withdrawn` integer DEFAULT false NOT NULL,
	`leopard_visits` integer DEFAULT 0 NOT NULL,
	`cub_visits` integer DEFAULT 0 NOT NULL,
	`leopard_individuals` integer DEFAULT 0 NOT NULL,
	`other_species` text DEFAULT '[]' NOT NULL,
	FOREIGN KEY (`deployment_row_id`) REFERENCES `camtrap_deployments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `camera_weeks_slot` ON `camera_weeks` (`deployment_row_id`,`start_at`);--> statement-breakpoint
CREATE INDEX `camera_weeks_open` ON `camera_weeks` (`start_at`,`id`) WHERE "camera_weeks"."is_withdrawn" = 0;--> statement-breakpoint
CREATE TABLE `camtrap_deployments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` integer NOT NULL,
	`deployment_id` text NOT NULL,
	`location_id` text,
	`location_name` text,
	`latitude` real NOT NULL,
	`longitude` real NOT NULL,
	`coordinate_uncertainty` integer,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`utc_offset_minutes` integer NOT NULL,
	`has_timestamp_issues` integer NOT NULL,
	`media_count` integer DEFAULT 0 NOT NULL,
	`content_hash` text NOT NULL,
	`is_removed` integer DEFAULT false NOT NULL,
	`import_id` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `camtrap_projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`import_id`) REFERENCES `camtrap_imports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `camtrap_deployments_key` ON `camtrap_deployments` (`project_id`,`deployment_id`);--> statement-breakpoint
CREATE TABLE `camtrap_imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` integer,
	`source_name` text NOT NULL,
	`package_name` text,
	`status` text NOT NULL,
	`report` text NOT NULL,
	`problem_count` integer DEFAULT 0 NOT NULL,
	`actor` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `camtrap_projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `camtrap_media` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` integer NOT NULL,
	`deployment_row_id` integer NOT NULL,
	`media_id` text NOT NULL,
	`taken_at` integer NOT NULL,
	`file_path` text NOT NULL,
	`mediatype` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `camtrap_projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deployment_row_id`) REFERENCES `camtrap_deployments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `camtrap_media_key` ON `camtrap_media` (`project_id`,`media_id`);--> statement-breakpoint
CREATE INDEX `camtrap_media_taken` ON `camtrap_media` (`deployment_row_id`,`taken_at`);--> statement-breakpoint
CREATE TABLE `camtrap_observations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` integer NOT NULL,
	`deployment_row_id` integer NOT NULL,
	`observation_id` text NOT NULL,
	`media_id` text,
	`event_id` text,
	`event_start` integer NOT NULL,
	`event_end` integer NOT NULL,
	`level` text NOT NULL,
	`type` text NOT NULL,
	`scientific_name` text,
	`count` integer,
	`life_stage` text,
	`individual_id` text,
	`content_hash` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `camtrap_projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deployment_row_id`) REFERENCES `camtrap_deployments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `camtrap_observations_key` ON `camtrap_observations` (`project_id`,`observation_id`);--> statement-breakpoint
CREATE INDEX `camtrap_observations_seen` ON `camtrap_observations` (`deployment_row_id`,`event_start`);--> statement-breakpoint
CREATE TABLE `camtrap_projects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`package_project_id` text NOT NULL,
	`title` text NOT NULL,
	`coordinate_policy` text DEFAULT 'hidden' NOT NULL,
	`photo_hosts` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `camtrap_projects_package_project_id_unique` ON `camtrap_projects` (`package_project_id`);--> statement-breakpoint
CREATE TABLE `trap_week_allocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`number` integer NOT NULL,
	`paid_at` integer NOT NULL,
	`camera_week_id` integer,
	`allocated_at` integer,
	`moved_at` integer,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`camera_week_id`) REFERENCES `camera_weeks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trap_week_allocations_number` ON `trap_week_allocations` (`order_id`,`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `trap_week_allocations_week` ON `trap_week_allocations` (`camera_week_id`) WHERE "trap_week_allocations"."camera_week_id" is not null;--> statement-breakpoint
CREATE INDEX `trap_week_allocations_waiting` ON `trap_week_allocations` (`paid_at`,`order_id`,`number`) WHERE "trap_week_allocations"."camera_week_id" is null;--> statement-breakpoint
CREATE INDEX `trap_week_allocations_allocated` ON `trap_week_allocations` (`allocated_at`) WHERE "trap_week_allocations"."allocated_at" is not null;--> statement-breakpoint
CREATE TABLE `trap_week_changes` (
	`order_id` integer PRIMARY KEY NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
