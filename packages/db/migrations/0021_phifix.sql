ALTER TABLE "exports" ADD COLUMN "clear_phi" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Exports made before this column existed: flag those whose job logged a clear PHI read (the
-- export job names itself `job exports.render · export <id>` in the PHI access log).
UPDATE "exports" SET "clear_phi" = true
WHERE "id"::text IN (
  SELECT substring("route" from 'export ([0-9a-f-]{36})$') FROM "phi_access_log"
  WHERE "route" LIKE 'job exports.render · export %'
);
