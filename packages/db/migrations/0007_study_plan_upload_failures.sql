CREATE TABLE "upload_failures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"bytes" bigint NOT NULL,
	"error_code" text NOT NULL,
	"message" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "planned_enrollment" integer;--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "planned_enrollment_start" date;--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "planned_enrollment_end" date;--> statement-breakpoint
ALTER TABLE "upload_failures" ADD CONSTRAINT "upload_failures_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upload_failures" ADD CONSTRAINT "upload_failures_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "upload_failures_study" ON "upload_failures" USING btree ("study_id","created_at");--> statement-breakpoint
ALTER TABLE "studies" ADD CONSTRAINT "studies_planned_enrollment_positive" CHECK ("studies"."planned_enrollment" > 0);--> statement-breakpoint
ALTER TABLE "studies" ADD CONSTRAINT "studies_planned_enrollment_dates" CHECK ("studies"."planned_enrollment_end" > "studies"."planned_enrollment_start");--> statement-breakpoint
ALTER TABLE "upload_failures" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "upload_failures" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
-- A failed upload is a record of what happened: it never changes.
CREATE TRIGGER upload_failures_immutable BEFORE UPDATE OR DELETE ON "upload_failures"
  FOR EACH ROW EXECUTE FUNCTION data_versions_reject_change();--> statement-breakpoint
GRANT SELECT, INSERT ON "upload_failures" TO cdp_app;
