CREATE TABLE "phi_sealed_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"file" text NOT NULL,
	"sidecar" text NOT NULL,
	"key_id" uuid NOT NULL,
	"columns" jsonb NOT NULL,
	"clear_sha256" text NOT NULL,
	"sealed_sha256" text NOT NULL,
	"sealed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "phi_sealed_files_file" UNIQUE("org_id","file")
);
--> statement-breakpoint
CREATE TABLE "study_data_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"wrapped" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rewrapped_at" timestamp with time zone,
	CONSTRAINT "study_data_keys_study" UNIQUE("org_id","study_id")
);
--> statement-breakpoint
ALTER TABLE "phi_sealed_files" ADD CONSTRAINT "phi_sealed_files_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phi_sealed_files" ADD CONSTRAINT "phi_sealed_files_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phi_sealed_files" ADD CONSTRAINT "phi_sealed_files_key_id_study_data_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."study_data_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "study_data_keys" ADD CONSTRAINT "study_data_keys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "study_data_keys" ADD CONSTRAINT "study_data_keys_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "phi_sealed_files_study" ON "phi_sealed_files" USING btree ("org_id","study_id");--> statement-breakpoint
ALTER TABLE "study_data_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "study_data_keys" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
ALTER TABLE "phi_sealed_files" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "phi_sealed_files" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "study_data_keys" TO cdp_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "phi_sealed_files" TO cdp_app;
