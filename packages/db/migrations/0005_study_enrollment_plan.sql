ALTER TABLE "studies" ADD COLUMN "planned_enrollment" integer;--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "planned_enrollment_start" date;--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "planned_enrollment_end" date;--> statement-breakpoint
ALTER TABLE "studies" ADD CONSTRAINT "studies_planned_enrollment_positive" CHECK ("studies"."planned_enrollment" > 0);--> statement-breakpoint
ALTER TABLE "studies" ADD CONSTRAINT "studies_planned_enrollment_dates" CHECK ("studies"."planned_enrollment_end" > "studies"."planned_enrollment_start");