CREATE TABLE "export_signed_copies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"export_id" uuid NOT NULL,
	"file_path" text NOT NULL,
	"bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"original_sha256" text NOT NULL,
	"signature_ids" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "export_signed_copies" ADD CONSTRAINT "export_signed_copies_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_signed_copies" ADD CONSTRAINT "export_signed_copies_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_signed_copies" ADD CONSTRAINT "export_signed_copies_export_id_exports_id_fk" FOREIGN KEY ("export_id") REFERENCES "public"."exports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_signed_copies" ADD CONSTRAINT "export_signed_copies_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "export_signed_copies_export" ON "export_signed_copies" USING btree ("export_id","created_at");--> statement-breakpoint
ALTER TABLE "export_signed_copies" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "export_signed_copies" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
-- The record of each signed copy made: written once, never changed nor deleted.
GRANT SELECT, INSERT ON "export_signed_copies" TO cdp_app;
