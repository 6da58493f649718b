-- Exports made by scheduled-report runs before mailed reports were masked (branch a16): flag those
-- whose run logged a clear PHI read. Such a run logs as `job reports.run · run <run id>` and names
-- its file's SHA-256, which is the export row's; from now on their files are downloadable only by
-- readers cleared for PHI, and a resend of them is refused.
UPDATE "exports" SET "clear_phi" = true
FROM "scheduled_report_runs" r
WHERE r."org_id" = "exports"."org_id"
  AND r."sha256" = "exports"."sha256"
  AND r."id"::text IN (
    SELECT substring("route" from 'run ([0-9a-f-]{36})$') FROM "phi_access_log"
    WHERE "route" LIKE 'job reports.run · run %'
  );
