import path from 'node:path';
import type { Dashboard, DashboardDocument } from '@cdp/contracts';
import { writeParquet } from '@cdp/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { systemAuthor } from '../../auth/author.ts';
import { recordDataVersion } from '../../commands/create-data-version.ts';
import type { VersionData } from '../../data/version-data.ts';
import { generateDemoStudy } from '../../demo/generate-study.ts';
import { keptUnmappedWidgets } from '../../presenters/dashboard.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

/*
 * The dashboard says which data it shows, and says so anew after an activation or a roll back. Its
 * `unmapped` (every widget checked against the active data's columns) is kept per saved document and
 * data as the reader sees it, and must never be served stale either.
 */

let t: TestApp;
let manager: Session;
let monitor: Session;
let studyId: string;
let orgId: string;

async function dashboardNamed(name: string): Promise<Dashboard> {
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name, templateId: 'clinical-study-overview' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

async function read(dashboard: Dashboard): Promise<Dashboard> {
  const res = await t.request(monitor, {
    method: 'GET',
    url: `/api/studies/${studyId}/dashboards/${dashboard.id}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

async function activate(versionId: string, reason: string) {
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/versions/${versionId}/activate`,
    payload: { reason },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** A generated version of the study without its LB dataset. */
async function versionWithoutLb(seed: number) {
  return recordDataVersion(t.ctx, systemAuthor(orgId), {
    studyId,
    source: { kind: 'demo', fileName: `demo-generator without LB (seed ${seed})`, bytes: 0, sha256: '' },
    produce: async (work) => {
      const datasets = [];
      for (const reader of generateDemoStudy({ subjects: 20, sites: 2, seed })) {
        if (reader.info.name === 'LB') continue;
        const file = path.join(work, `${reader.info.name}.generated.parquet`);
        const result = await writeParquet(reader, file, { memoryLimit: t.ctx.config.duckdbMemoryLimit });
        datasets.push({ ...result, source: `generated ${reader.info.name}`, format: 'generated' });
      }
      return { datasets, skipped: [] };
    },
  });
}

/** The widgets of the document reading LB, found from the document itself (not from the code under test). */
function lbWidgets(document: DashboardDocument): string[] {
  return document.pages
    .flatMap((page) => Object.entries(page.widgets))
    .filter(([, widget]) => widget.data.dataset.toUpperCase() === 'LB')
    .map(([id]) => id)
    .sort();
}

const unmappedIds = (dashboard: Dashboard) => dashboard.unmapped.map((u) => u.widgetId).sort();

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager', { name: 'Mara Manager' });
  monitor = await tenant.as('clinical_monitor');
});
afterAll(() => t.close());

describe('the data version on a dashboard', () => {
  it('is null before the study has data', async () => {
    const dashboard = await dashboardNamed('Empty');
    expect(dashboard.dataVersion).toBeNull();
    expect((await read(dashboard)).dataVersion).toBeNull();
  });

  it('names the source, the load and the activation, and changes with activate and roll back', async () => {
    const first = await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 30, sites: 2, seed: 1 });
    const dashboard = await dashboardNamed('Overview');
    const initial = (await read(dashboard)).dataVersion;
    expect(initial).toMatchObject({
      id: first.version.id,
      label: first.version.label,
      source: { kind: 'demo', fileName: first.version.sourceFileName },
      loadedAt: first.version.createdAt.toISOString(),
      loadedBy: 'system',
      activation: 'first',
    });

    const second = await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 40, sites: 2, seed: 2 });
    expect((await read(dashboard)).dataVersion?.id).toBe(first.version.id);
    await activate(second.version.id, 'Newer cut');
    const activated = (await read(dashboard)).dataVersion;
    expect(activated).toMatchObject({ id: second.version.id, activation: 'activated' });
    expect(activated?.activatedBy).toContain('Mara Manager');
    expect(Date.parse(activated?.activatedAt ?? '')).toBeGreaterThan(Date.parse(activated?.loadedAt ?? ''));

    await activate(first.version.id, 'Wrong cut');
    const rolledBack = (await read(dashboard)).dataVersion;
    expect(rolledBack).toMatchObject({ id: first.version.id, activation: 'rolled_back' });
    expect(rolledBack?.activatedBy).toContain('Mara Manager');
    expect(Date.parse(rolledBack?.activatedAt ?? '')).toBeGreaterThan(Date.parse(activated?.activatedAt ?? ''));
  });
});

describe("a dashboard's unmapped widgets, kept", () => {
  it('follow activation, roll back and save, never the answer kept before', async () => {
    const full = await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 20, sites: 2, seed: 11 });
    await activate(full.version.id, 'The full cut');
    const dashboard = await dashboardNamed('Kept checks');
    const lb = lbWidgets(dashboard.document);
    expect(lb.length).toBeGreaterThan(0);
    // Read twice: the second answer is the kept one, and equal.
    expect((await read(dashboard)).unmapped).toEqual([]);
    expect((await read(dashboard)).unmapped).toEqual([]);

    // Activation of data without LB: the LB widgets are unmapped, with the reason the data gives.
    const noLb = await versionWithoutLb(12);
    expect((await read(dashboard)).unmapped).toEqual([]);
    await activate(noLb.version.id, 'A cut without labs');
    const missing = await read(dashboard);
    expect(unmappedIds(missing)).toEqual(lb);
    for (const item of missing.unmapped) expect(item.reason).toContain('LB');

    // Roll back to the full version: nothing unmapped again.
    await activate(full.version.id, 'Back to the full cut');
    expect((await read(dashboard)).unmapped).toEqual([]);

    // A save mapping one widget to a column the data lacks: unmapped at once, and fixed by the next save.
    const first = lb.find((id) => dashboard.document.pages.some((p) => p.widgets[id]?.data.mapping.value));
    expect(first).toBeDefined();
    const broken = structuredClone(dashboard.document);
    for (const page of broken.pages) {
      const widget = first ? page.widgets[first] : undefined;
      if (widget) widget.data.mapping.value = 'LBNOSUCH';
    }
    const saved = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}`,
      payload: { version: dashboard.version, document: broken },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const afterSave = await read(dashboard);
    expect(unmappedIds(afterSave)).toEqual([first]);
    expect(afterSave.unmapped[0]?.fields).toEqual(['value']);
    const fixed = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}`,
      payload: { version: afterSave.version, document: dashboard.document },
    });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect((await read(dashboard)).unmapped).toEqual([]);

    // And the version without LB once more, under the fixed document.
    await activate(noLb.version.id, 'Without labs again');
    expect(unmappedIds(await read(dashboard))).toEqual(lb);
  });

  it('keeps one answer per view of the data: a column masked for one reader is another key', () => {
    const column = (name: string, masked?: boolean) => ({
      name,
      label: null,
      type: 'string' as const,
      ...(masked ? { masked } : {}),
    });
    const version = (masked: boolean): VersionData => ({
      id: 'v1',
      orgId: 'org',
      studyId: 'study',
      datasets: new Map([
        [
          'DM',
          {
            name: 'DM',
            label: null,
            rows: 1,
            file: '/nowhere/dm.parquet',
            columns: [column('USUBJID'), column('SEX', masked)],
            row: {} as never,
          },
        ],
      ]),
    });
    const row = { orgId: 'org', id: 'd1', version: 3, updatedAt: new Date(0) } as Parameters<
      typeof keptUnmappedWidgets
    >[0];
    const document: DashboardDocument = {
      schemaVersion: 2,
      filters: [],
      pages: [
        {
          id: 'p',
          title: 'P',
          layout: [],
          widgets: {
            w: {
              type: 'kpi',
              title: 'Subjects',
              data: { dataset: 'DM', mapping: { subject_id: 'USUBJID' }, filters: [] },
              options: {},
            } as never,
          },
        },
      ],
    } as DashboardDocument;
    const clear = keptUnmappedWidgets(row, document, version(false));
    expect(keptUnmappedWidgets(row, document, version(false))).toBe(clear);
    const masked = keptUnmappedWidgets(row, document, version(true));
    expect(masked).not.toBe(clear);
    expect(keptUnmappedWidgets(row, document, version(true))).toBe(masked);
    expect(keptUnmappedWidgets({ ...row, version: 4 }, document, version(false))).not.toBe(clear);
    expect(keptUnmappedWidgets(row, document, { ...version(false), id: 'v2' })).not.toBe(clear);
  });
});
