import { randomUUID } from 'node:crypto';
import { runMigrations } from '@cdp/db';
import pg from 'pg';
import { expect } from 'vitest';
import { installJobQueue } from '../src/jobs/queue.ts';
import { loadGeneratedVersion } from '../src/seed/load-demo-data.ts';
import type { Session, Tenant, TestApp } from './harness.ts';
import { testDatabase, withDatabase } from './test-database.ts';

/**
 * What the backup tests share (backup-restore.test.ts, in process; backup-cli.serial.test.ts, as
 * commands): databases of their own on the run's PostgreSQL (the source or target of a restore,
 * dropped at the end), and a study with a generated version and a dashboard to back up.
 */

export interface ScratchDatabase {
  name: string;
  adminUrl: string;
  appUrl: string;
}

export interface ScratchDatabases {
  /** A new database; `migrated` runs the migrations and installs the job queue (an empty installation). */
  create(label: string, options?: { migrated?: boolean }): Promise<ScratchDatabase>;
  /** Drops every database made here (a connection left open is ended). */
  dropAll(): Promise<void>;
}

export function scratchDatabases(): ScratchDatabases {
  const admin = new pg.Pool({ connectionString: testDatabase().adminUrl, max: 1 });
  const made: string[] = [];
  return {
    async create(label, { migrated = false } = {}) {
      const name = `cdp_${label}_${randomUUID().slice(0, 8)}`;
      await admin.query(`create database ${name}`);
      made.push(name);
      const database = {
        name,
        adminUrl: withDatabase(testDatabase().adminUrl, name),
        appUrl: withDatabase(testDatabase().appUrl, name),
      };
      if (migrated) {
        await runMigrations(database.adminUrl);
        await installJobQueue(database.adminUrl);
      }
      return database;
    },
    async dropAll() {
      for (const name of made) await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
    },
  };
}

export interface StudyToBackUp {
  /** The organization administrator who made the dashboard (signed in). */
  admin: Session;
  version: Awaited<ReturnType<typeof loadGeneratedVersion>>;
  dashboardId: string;
}

/** A generated version of the tenant's study and a dashboard of it from the overview template. */
export async function studyToBackUp(
  t: TestApp,
  tenant: Tenant,
  options: { subjects: number; sites: number; seed: number; dashboard: string },
): Promise<StudyToBackUp> {
  const admin = await tenant.as('org_admin');
  const version = await loadGeneratedVersion(
    t.ctx,
    { id: tenant.study.id, orgId: tenant.org.id },
    { subjects: options.subjects, sites: options.sites, seed: options.seed, studyId: tenant.study.code },
  );
  const created = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/dashboards`,
    payload: { name: options.dashboard, templateId: 'clinical-study-overview' },
  });
  expect(created.statusCode, created.body).toBe(201);
  return { admin, version, dashboardId: created.json().data.id };
}
