import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dashboard } from '@cdp/contracts';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { expect } from 'vitest';
import type { Config } from '../src/config.ts';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from './harness.ts';
import { storedDatasetFiles } from './stored-datasets.ts';
import { testDatabase } from './test-database.ts';

/**
 * The CDISC pilot's original SDTM (all 19 XPT files, zipped and uploaded through the API as a user
 * would), shared by the server tests that read it through dashboards, exports and listings.
 *
 * Uploaded once per Vitest worker database: the first file that asks makes an organization and a
 * study, uploads the pilot into them under this worker's `pilot/` data folder and then names the
 * organization `pilot-fixture`; every later file of the worker finds it by that code and only
 * starts its own app on the same data folder. The conversion itself is shared across workers as
 * before (shared-conversions.ts). Each file signs in its own users and makes its own dashboards
 * (exports, kept answers and review marks hang off a dashboard), so files never read each other's.
 *
 * A file that changes what the study answers (PHI classification, the study's enrollment plan,
 * review queries, versions) asks for `{ own: true }`: a fresh organization and study of its own,
 * uploaded the same way (optionally with fewer files), which it may change freely.
 */

export const PILOT_SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const SHARED_CODE = 'pilot-fixture';

export interface PilotStudyOptions {
  /** A study of the file's own, for a file that writes to it; the shared one otherwise. */
  own?: boolean;
  /** With `own`: only these XPT files of the pilot (all 19 otherwise). */
  files?: string[];
  /** Config overrides for the file's app (its data folder is always the fixture's). */
  config?: Partial<Config>;
}

export interface PilotStudy {
  t: TestApp;
  /** The study's organization: `as(role)` signs in a new user of it. */
  tenant: Tenant;
  orgId: string;
  studyId: string;
  /** A study manager of this file's own, signed in. */
  manager: Session;
  /** Stored Parquet file of each dataset of the active version, by upper-case name (`DM`, `AE`, …). */
  files: Record<string, string>;
  /** Makes a dashboard (from a template or a document) as the manager, and checks it was made. */
  dashboard(name: string, from: { templateId: string } | { document: unknown }): Promise<Dashboard>;
}

/** The pilot's study for this file, with the file's own app, manager and data-folder paths. */
export async function pilotStudy(options: PilotStudyOptions = {}): Promise<PilotStudy> {
  const dataDir = path.join(testDatabase().dataDir, 'pilot');
  await mkdir(dataDir, { recursive: true });
  const t = await startTestApp({ ...options.config, dataDir }, { reuseConversions: true });
  const ids = options.own ? await upload(t, options.files) : await shared(t);
  const tenant: Tenant = {
    org: ids.org,
    study: ids.study,
    as: (role, spec = {}) => t.signIn({ orgId: ids.org.id, role, ...spec }),
  };
  const manager = await tenant.as('study_manager');
  return {
    t,
    tenant,
    orgId: ids.org.id,
    studyId: ids.study.id,
    manager,
    files: await storedDatasetFiles(t, ids.study.id),
    async dashboard(name, from) {
      const created = await t.request(manager, {
        method: 'POST',
        url: `/api/studies/${ids.study.id}/dashboards`,
        payload: { name, ...from },
      });
      expect(created.statusCode, created.body).toBe(201);
      return created.json().data;
    },
  };
}

type Ids = Pick<Tenant, 'org' | 'study'>;

/** The worker's shared pilot study, uploaded by the first file to ask (under a lock, so by one). */
async function shared(t: TestApp): Promise<Ids> {
  const client = await t.admin.connect();
  try {
    // Files of one worker run one after the other; the lock only guards against a second process
    // on the same database (a serial file) arriving while the first upload is under way.
    await client.query('select pg_advisory_lock(hashtext($1))', [SHARED_CODE]);
    const found = await client.query(
      `select o.id as "orgId", o.code, o.name, s.id as "studyId", s.code as "studyCode"
         from organizations o join studies s on s.org_id = o.id where o.code = $1`,
      [SHARED_CODE],
    );
    const row = found.rows[0];
    if (row) {
      return {
        org: { id: row.orgId, code: row.code, name: row.name },
        study: { id: row.studyId, code: row.studyCode, orgId: row.orgId },
      };
    }
    const ids = await upload(t);
    // Named only once the upload succeeded: a failed one leaves an unnamed organization nobody finds.
    await client.query('update organizations set code = $1 where id = $2', [SHARED_CODE, ids.org.id]);
    return { ...ids, org: { ...ids.org, code: SHARED_CODE } };
  } finally {
    await client.query('select pg_advisory_unlock(hashtext($1))', [SHARED_CODE]).catch(() => undefined);
    client.release();
  }
}

/** A new organization and study with the pilot (or `names` of it) uploaded by its study manager. */
async function upload(t: TestApp, names?: string[]): Promise<Ids> {
  const tenant = await t.tenant();
  const manager = await tenant.as('study_manager');
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads`,
    ...multipartFile('sdtm.zip', await pilotZip(names)),
  });
  expect(res.statusCode, res.body).toBe(201);
  return { org: tenant.org, study: tenant.study };
}

async function pilotZip(names?: string[]): Promise<Buffer> {
  const files = names ?? (await readdir(PILOT_SDTM)).filter((f) => f.endsWith('.xpt'));
  return buildZip(
    await Promise.all(files.map(async (name) => ({ name, data: await readFile(path.join(PILOT_SDTM, name)) }))),
  );
}
