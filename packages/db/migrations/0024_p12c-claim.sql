-- A pipeline run's claim in one call (issue 12, branch p12c): the worker that got the run's job
-- takes it and reads everything its inputs name, in one round trip where it took ten (each a
-- statement for drizzle to build and for PostgreSQL to parse and plan, on the path between the
-- job's hand-off and the engine). PL/pgSQL keeps each statement's plan per connection.
--
-- Takes the run only if it is still QUEUED (a second worker claiming at once waits for the row's
-- lock, then finds it RUNNING); when it is not, answers one row of nulls (nothing taken). A run whose
-- pipeline version or study is gone raises P0002 (the run stays QUEUED: the whole call rolls back).
-- Commits without waiting for the WAL flush (`synchronous_commit = off` for this call only): a lost
-- claim leaves the run QUEUED for the queue to hand out again (docs/operations.md). Announces the
-- change to the run's event streams (NOTIFY cdp_pipeline_runs, delivered at commit).
--
-- Reads, as `readInputs` did: the active source version and its datasets when an input is a source
-- dataset (null when the active version is not a data version), each upstream pipeline the inputs
-- name with who last changed it, its latest output version and that output's datasets, and the
-- study's PHI classes and sealed files. SECURITY INVOKER, under row-level security, the tenant set
-- first, every statement also filtered by organization (as migration 0023's functions).
CREATE FUNCTION app_claim_pipeline_run(p_org uuid, p_run uuid, p_worker text)
RETURNS TABLE (run_row json, version_row json, study_row json, source_version_row json, source_dataset_rows json,
  upstream_rows json, phi_rows json, sealed_rows json)
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
  v_run pipeline_runs;
  v_last_seq integer;
  v_version pipeline_versions;
  v_study studies;
  v_source data_versions;
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  PERFORM set_config('synchronous_commit', 'off', true);
  UPDATE pipeline_runs r SET status = 'RUNNING', started_at = coalesce(r.started_at, now()),
      attempts = r.attempts + 1, worker_id = p_worker, heartbeat_at = now(), error = NULL
    WHERE r.org_id = p_org AND r.id = p_run AND r.status = 'QUEUED'
    RETURNING r.* INTO v_run;
  IF NOT FOUND THEN
    RETURN QUERY SELECT NULL::json, NULL::json, NULL::json, NULL::json, NULL::json, NULL::json, NULL::json, NULL::json;
    RETURN;
  END IF;
  SELECT max(l.seq) INTO v_last_seq FROM pipeline_run_logs l WHERE l.run_id = p_run;
  SELECT v.* INTO v_version FROM pipeline_versions v
    WHERE v.org_id = p_org AND v.pipeline_id = v_run.pipeline_id AND v.version = v_run.pipeline_version;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pipeline run %: its pipeline version is gone', p_run USING ERRCODE = 'P0002';
  END IF;
  SELECT s.* INTO v_study FROM studies s WHERE s.org_id = p_org AND s.id = v_run.study_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pipeline run %: its study is gone', p_run USING ERRCODE = 'P0002';
  END IF;
  IF v_study.active_data_version_id IS NOT NULL
     AND v_version.inputs @> '[{"source": {"kind": "dataset"}}]'::jsonb THEN
    SELECT d.* INTO v_source FROM data_versions d
      WHERE d.org_id = p_org AND d.study_id = v_study.id AND d.id = v_study.active_data_version_id;
  END IF;
  PERFORM pg_notify('cdp_pipeline_runs', p_run::text);
  RETURN QUERY
  WITH upstream AS (
    SELECT DISTINCT (i -> 'source' ->> 'pipelineId')::uuid AS pipeline_id
    FROM jsonb_array_elements(v_version.inputs) i
    WHERE i -> 'source' ->> 'kind' = 'pipeline'
  ), latest AS (
    SELECT DISTINCT ON (o.pipeline_id) o.*
    FROM pipeline_outputs o JOIN upstream u ON u.pipeline_id = o.pipeline_id
    WHERE o.org_id = p_org AND o.study_id = v_study.id
    ORDER BY o.pipeline_id, o.created_at DESC, o.label DESC
  )
  SELECT
    (SELECT row_to_json(x) FROM (SELECT v_run.*, v_last_seq AS last_seq) x),
    row_to_json(v_version),
    json_build_object('id', v_study.id, 'active_data_version_id', v_study.active_data_version_id),
    CASE WHEN v_source.id IS NULL THEN NULL ELSE row_to_json(v_source) END,
    (SELECT coalesce(json_agg(x ORDER BY lower(x.name)), '[]'::json) FROM datasets x
       WHERE v_source.id IS NOT NULL AND x.org_id = p_org AND x.study_id = v_study.id AND x.version_id = v_source.id),
    (SELECT coalesce(json_agg(json_build_object(
        'pipeline_id', u.pipeline_id,
        'pipeline', (SELECT row_to_json(p) FROM pipelines p
                       WHERE p.org_id = p_org AND p.study_id = v_study.id AND p.id = u.pipeline_id),
        'updated_by_name', (SELECT us.name FROM pipelines p JOIN users us ON us.id = p.updated_by
                       WHERE p.org_id = p_org AND p.study_id = v_study.id AND p.id = u.pipeline_id),
        'output', (SELECT row_to_json(l) FROM latest l WHERE l.pipeline_id = u.pipeline_id),
        'output_pipeline_name', (SELECT p.name FROM latest l JOIN pipelines p ON p.id = l.pipeline_id
                       WHERE l.pipeline_id = u.pipeline_id),
        'datasets', (SELECT coalesce(json_agg(x ORDER BY lower(x.name)), '[]'::json)
                       FROM pipeline_output_datasets x JOIN latest l ON l.id = x.output_id
                       WHERE x.org_id = p_org AND l.pipeline_id = u.pipeline_id))), '[]'::json)
       FROM upstream u),
    (SELECT coalesce(json_agg(json_build_object('dataset', c.dataset, 'column', c."column",
              'classification', c.classification)), '[]'::json)
       FROM phi_columns c WHERE c.org_id = p_org AND c.study_id = v_study.id),
    (SELECT coalesce(json_agg(f), '[]'::json) FROM phi_sealed_files f WHERE f.org_id = p_org AND f.study_id = v_study.id);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_claim_pipeline_run(uuid, uuid, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_claim_pipeline_run(uuid, uuid, text) TO cdp_app;
