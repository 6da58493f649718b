import type { Dashboard } from '@cdp/contracts';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'vitest';
import { datasetFile } from '../src/lib/study-folders.ts';
import { loadGeneratedVersion } from '../src/seed/load-demo-data.ts';
import { type Session, startTestApp, type Tenant, type TestApp } from './harness.ts';

/**
 * The set-up of the kept-answer tests of the widget and page-data routes
 * (routes/dashboards/widget-answers.test.ts, page-answers.test.ts): a study with a generated
 * version (30 subjects, 2 sites) and a dashboard made from the study overview template, a study
 * manager who changes things and a clinical monitor who reads; more versions on demand.
 */

/** A loaded version and the Parquet file of its DM, for counting subjects apart from the widget code. */
export interface GeneratedVersion {
  id: string;
  dm: string;
}

export interface OverviewStudy {
  t: TestApp;
  tenant: Tenant;
  manager: Session;
  monitor: Session;
  studyId: string;
  orgId: string;
  dashboard: Dashboard;
  /** Every version loaded so far, the first (active) one first. */
  versions: GeneratedVersion[];
  /** Loads another generated version (not activated). */
  load(options: { subjects: number; seed: number }): Promise<GeneratedVersion>;
  /** Activates a version as the manager, with a reason. */
  activate(versionId: string, reason: string): Promise<void>;
  /** Classifies a column as PHI as the manager. */
  classifyPhi(dataset: string, column: string): Promise<void>;
  /** Rows of the PHI access log naming this user (each clear read of PHI writes one). */
  phiReadsOf(userId: string): Promise<number>;
}

export async function overviewStudy(): Promise<OverviewStudy> {
  const t = await startTestApp();
  const tenant = await t.tenant();
  const studyId = tenant.study.id;
  const orgId = tenant.org.id;
  const manager = await tenant.as('study_manager');
  const monitor = await tenant.as('clinical_monitor');
  const versions: GeneratedVersion[] = [];

  const load = async (options: { subjects: number; seed: number }) => {
    const loaded = await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { ...options, sites: 2 });
    const dm = loaded.datasets.find((d) => d.name === 'DM');
    if (!dm) throw new Error('the generated version has no DM');
    const version = { id: loaded.version.id, dm: datasetFile(t.ctx.config.dataDir, dm, loaded.version.label) };
    versions.push(version);
    return version;
  };

  await load({ subjects: 30, seed: 1 });
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name: 'Overview', templateId: 'clinical-study-overview' },
  });
  expect(res.statusCode, res.body).toBe(201);

  return {
    t,
    tenant,
    manager,
    monitor,
    studyId,
    orgId,
    dashboard: res.json().data,
    versions,
    load,
    async activate(versionId, reason) {
      const activated = await t.request(manager, {
        method: 'POST',
        url: `/api/studies/${studyId}/versions/${versionId}/activate`,
        payload: { reason },
      });
      expect(activated.statusCode, activated.body).toBe(200);
    },
    async classifyPhi(dataset, column) {
      const classified = await t.request(manager, {
        method: 'PUT',
        url: `/api/studies/${studyId}/phi-columns`,
        payload: { dataset, column, classification: 'phi' },
      });
      expect(classified.statusCode, classified.body).toBe(200);
    },
    async phiReadsOf(userId) {
      const { rows } = await t.admin.query(
        'select count(*)::int as n from phi_access_log where org_id = $1 and user_id = $2',
        [orgId, userId],
      );
      return Number(rows[0]?.n);
    },
  };
}

/** Subjects of a stored DM (aged `minAge` or more when given), counted with plain DuckDB SQL apart from the widget code. */
export async function subjectsIn(file: string, minAge?: number): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const where = minAge === undefined ? '' : ` WHERE AGE >= ${minAge}`;
    const reader = await connection.runAndReadAll(
      `SELECT count(DISTINCT USUBJID) FROM read_parquet('${file.replaceAll("'", "''")}')${where}`,
    );
    return Number(reader.getRowsJson()[0]?.[0]);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}
