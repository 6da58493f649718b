-- Hot reads of the API as PL/pgSQL functions (issue 18, branch c18): one call is one round trip,
-- and PL/pgSQL keeps each statement's plan per connection, so PostgreSQL no longer parses and
-- plans the same statements, row-level-security quals included, on every request (as the
-- simple-protocol batches of `tenantReads` made it do). Each function sets the tenant first
-- (`set_config(..., true)`: local to the caller's transaction, which for a lone call is the call
-- itself) and only then reads; statements of a function run in order, so row-level security sees
-- the tenant (a CTE does not promise that). The functions are SECURITY INVOKER: they run as
-- cdp_app, under row-level security, and every statement also filters by organization itself.
-- Rows come back as JSON objects keyed by column name (`row_to_json`), as `rowOf` maps them.

-- The dashboard data loader (`readDashboardData`): the study, the dashboard without its document,
-- the study's PHI classes and sealed files, each pipeline's latest output and that output's datasets.
CREATE FUNCTION app_dashboard_data(p_org uuid, p_study uuid, p_dashboard uuid)
RETURNS TABLE (study_row json, dashboard_row json, phi_rows json, sealed_rows json, output_rows json,
  output_dataset_rows json)
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  RETURN QUERY
  WITH latest AS (
    SELECT DISTINCT ON (o.pipeline_id) o.*, p.name AS pipeline_name
    FROM pipeline_outputs o JOIN pipelines p ON p.id = o.pipeline_id
    WHERE o.org_id = p_org AND o.study_id = p_study
    ORDER BY o.pipeline_id, o.created_at DESC
  )
  SELECT
    (SELECT row_to_json(s) FROM studies s WHERE s.org_id = p_org AND s.id = p_study LIMIT 1),
    (SELECT row_to_json(h) FROM (
       SELECT d.id, d.org_id, d.study_id, d.name, d.description, d.template_id, d.version, d.created_by,
              d.updated_by, d.deleted_at, d.created_at, d.updated_at, u.name AS updated_by_name
       FROM dashboards d LEFT JOIN users u ON u.id = d.updated_by
       WHERE d.org_id = p_org AND d.study_id = p_study AND d.id = p_dashboard AND d.deleted_at IS NULL
       LIMIT 1) h),
    (SELECT coalesce(json_agg(json_build_object('dataset', c.dataset, 'column', c."column",
              'classification', c.classification)), '[]'::json)
       FROM phi_columns c WHERE c.org_id = p_org AND c.study_id = p_study),
    (SELECT coalesce(json_agg(f), '[]'::json) FROM phi_sealed_files f WHERE f.org_id = p_org AND f.study_id = p_study),
    (SELECT coalesce(json_agg(l ORDER BY l.pipeline_id), '[]'::json) FROM latest l),
    (SELECT coalesce(json_agg(x), '[]'::json) FROM pipeline_output_datasets x
       WHERE x.org_id = p_org AND x.output_id IN (SELECT l.id FROM latest l));
END
$$;
--> statement-breakpoint
-- The study and its data versions, newest first, each with who made it (`GET /api/studies/:id/versions`).
-- Only the versions' heads: a version never changes, so the API keeps each one presented and asks
-- `app_version_details` for the datasets of those it has not seen yet.
CREATE FUNCTION app_study_versions(p_org uuid, p_study uuid)
RETURNS TABLE (study_row json, version_rows json)
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  RETURN QUERY SELECT
    (SELECT row_to_json(s) FROM studies s WHERE s.org_id = p_org AND s.id = p_study LIMIT 1),
    (SELECT coalesce(json_agg(json_build_object('id', v.id, 'created_by', v.created_by,
              'user_name', u.name, 'user_email', u.email) ORDER BY v.created_at DESC, v.label DESC), '[]'::json)
       FROM data_versions v LEFT JOIN users u ON u.id = v.created_by
       WHERE v.org_id = p_org AND v.study_id = p_study);
END
$$;
--> statement-breakpoint
-- Versions of one study, whole, with their datasets (ordered by lower(name), as `listVersions` reads them).
CREATE FUNCTION app_version_details(p_org uuid, p_study uuid, p_versions uuid[])
RETURNS TABLE (version_rows json, dataset_rows json)
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  RETURN QUERY SELECT
    (SELECT coalesce(json_agg(v), '[]'::json) FROM data_versions v
       WHERE v.org_id = p_org AND v.study_id = p_study AND v.id = ANY (p_versions)),
    (SELECT coalesce(json_agg(x ORDER BY lower(x.name)), '[]'::json) FROM datasets x
       WHERE x.org_id = p_org AND x.study_id = p_study AND x.version_id = ANY (p_versions));
END
$$;
--> statement-breakpoint
-- The study and its dashboards without their documents (`GET /api/studies/:id/dashboards`): a saved
-- version's document never changes, so the API keeps each one and reads only the versions it lacks.
CREATE FUNCTION app_study_dashboards(p_org uuid, p_study uuid)
RETURNS TABLE (study_row json, dashboard_rows json)
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  RETURN QUERY SELECT
    (SELECT row_to_json(s) FROM studies s WHERE s.org_id = p_org AND s.id = p_study LIMIT 1),
    (SELECT coalesce(json_agg(h ORDER BY h.created_at, h.name), '[]'::json) FROM (
       SELECT d.id, d.org_id, d.study_id, d.name, d.description, d.template_id, d.version, d.created_by,
              d.updated_by, d.deleted_at, d.created_at, d.updated_at, u.name AS updated_by_name
       FROM dashboards d LEFT JOIN users u ON u.id = d.updated_by
       WHERE d.org_id = p_org AND d.study_id = p_study AND d.deleted_at IS NULL) h);
END
$$;
--> statement-breakpoint
-- The studies of the organization (`GET /api/studies` without a filter), by code; `p_only` limits
-- them to these ids (a reader whose roles name studies), null to none.
CREATE FUNCTION app_visible_studies(p_org uuid, p_only uuid[])
RETURNS TABLE (study_rows json)
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  RETURN QUERY SELECT
    (SELECT coalesce(json_agg(s ORDER BY s.code), '[]'::json) FROM studies s
       WHERE s.org_id = p_org AND (p_only IS NULL OR s.id = ANY (p_only)));
END
$$;
--> statement-breakpoint
-- The study with its PHI classification and sealed files (`datasetFor`: the dataset rows route):
-- what `findStudy` and `readPhiInputs` read in two transactions.
CREATE FUNCTION app_study_phi(p_org uuid, p_study uuid)
RETURNS TABLE (study_row json, phi_rows json, sealed_rows json)
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  RETURN QUERY SELECT
    (SELECT row_to_json(s) FROM studies s WHERE s.org_id = p_org AND s.id = p_study LIMIT 1),
    (SELECT coalesce(json_agg(json_build_object('dataset', c.dataset, 'column', c."column",
              'classification', c.classification)), '[]'::json)
       FROM phi_columns c WHERE c.org_id = p_org AND c.study_id = p_study),
    (SELECT coalesce(json_agg(f), '[]'::json) FROM phi_sealed_files f WHERE f.org_id = p_org AND f.study_id = p_study);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_study_phi(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_study_phi(uuid, uuid) TO cdp_app;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_dashboard_data(uuid, uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_dashboard_data(uuid, uuid, uuid) TO cdp_app;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_study_versions(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_study_versions(uuid, uuid) TO cdp_app;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_version_details(uuid, uuid, uuid[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_version_details(uuid, uuid, uuid[]) TO cdp_app;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_study_dashboards(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_study_dashboards(uuid, uuid) TO cdp_app;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_visible_studies(uuid, uuid[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_visible_studies(uuid, uuid[]) TO cdp_app;
