CREATE TABLE "data_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"label" text NOT NULL,
	"kind" text NOT NULL,
	"source_file_name" text NOT NULL,
	"source_bytes" bigint NOT NULL,
	"source_sha256" text NOT NULL,
	"skipped" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "data_versions_study_label" UNIQUE("study_id","label")
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"name" text NOT NULL,
	"label" text,
	"rows" bigint NOT NULL,
	"columns" jsonb NOT NULL,
	"source" text NOT NULL,
	"format" text NOT NULL,
	"file" text NOT NULL,
	"sha256" text NOT NULL,
	"bytes" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "active_data_version_id" uuid;--> statement-breakpoint
ALTER TABLE "data_versions" ADD CONSTRAINT "data_versions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_versions" ADD CONSTRAINT "data_versions_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_versions" ADD CONSTRAINT "data_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_version_id_data_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."data_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "data_versions_study" ON "data_versions" USING btree ("study_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_version_name" ON "datasets" USING btree ("version_id",lower("name"));--> statement-breakpoint
-- The active version must be one of the study's own versions.
ALTER TABLE "data_versions" ADD CONSTRAINT "data_versions_id_study" UNIQUE ("id", "study_id");--> statement-breakpoint
ALTER TABLE "studies" ADD CONSTRAINT "studies_active_data_version_fk" FOREIGN KEY ("active_data_version_id", "id") REFERENCES "public"."data_versions"("id", "study_id");--> statement-breakpoint
ALTER TABLE "data_versions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "data_versions" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
ALTER TABLE "datasets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "datasets" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
-- Versions are immutable: what a dashboard showed on a given day can always be shown again.
CREATE FUNCTION data_versions_reject_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION '% is immutable: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER data_versions_immutable BEFORE UPDATE OR DELETE ON "data_versions"
  FOR EACH ROW EXECUTE FUNCTION data_versions_reject_change();--> statement-breakpoint
CREATE TRIGGER datasets_immutable BEFORE UPDATE OR DELETE ON "datasets"
  FOR EACH ROW EXECUTE FUNCTION data_versions_reject_change();--> statement-breakpoint
GRANT SELECT, INSERT ON "data_versions", "datasets" TO cdp_app;
